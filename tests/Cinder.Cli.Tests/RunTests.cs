using System.Text;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// `cinder run`: only the generated text on stdout, diagnostics on stderr, EOS ends generation unless --ignore-eos,
/// --json ends with {"prompt_ids", "ids", "text"}, and without -m the demo model is used and announced.
/// </summary>
public class RunTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    /// <summary>
    /// The acceptance command, exactly as the issue writes it: `cinder run -p "Once upon a time" -n 64 --temp 0
    /// --ignore-eos --json` prints the ids of golden/stories260K/stories260K-1.json, and its text reads as the story.
    /// </summary>
    [Fact]
    public void AcceptanceGreedyRunOnTheDemoModelMatchesLlamaCpp()
    {
        var golden = Golden.Load("stories260K-1");
        var r = CinderProcess.Run("run", "-p", "Once upon a time", "-n", "64", "--temp", "0", "--ignore-eos", "--json").AssertSuccess();
        var j = r.LastJsonLine();
        Assert.Equal(golden.PromptIds, Golden.Ints(j.GetProperty("prompt_ids")));
        Assert.Equal(golden.GreedyIds, Golden.Ints(j.GetProperty("ids")));
        Assert.Equal(golden.GreedyText, j.GetProperty("text").GetString());
        Assert.StartsWith(", there was a little girl named Lily.", golden.GreedyText);

        // stdout is the text as it streamed, then the JSON line: no diagnostics mixed in.
        string jsonLine = r.StdoutLines[^1];
        Assert.Equal(golden.GreedyText + "\n" + jsonLine + "\n", r.Stdout);
        // The demo model is said on stderr, with its path.
        Assert.Contains("no model given: using the demo model", r.Stderr);
        Assert.Contains(Path.GetFullPath(SharedData.Stories260K), r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Golden.Names), MemberType = typeof(Golden))]
    public void WithoutJsonStdoutIsExactlyTheGeneratedText(string name)
    {
        var golden = Golden.Load(name);
        var r = CinderProcess.Run("run", "-m", SharedData.Stories260K, "-p", golden.Prompt, "-n", "64", "--temp", "0", "--ignore-eos", "-t", "1").AssertSuccess();
        Assert.Equal(golden.GreedyText, r.Stdout);
        Assert.DoesNotContain("demo model", r.Stderr);
    }

    /// <summary>
    /// stories260K never predicts its EOS (2) greedily, so a copy whose metadata names "\n" (13) as EOS is run: the
    /// greedy story must stop just before the first "\n" of llama.cpp's greedy ids, and run on past it with
    /// --ignore-eos.
    /// </summary>
    [Fact]
    public void GenerationStopsAtEosUnlessIgnoreEos()
    {
        var golden = Golden.Load("stories260K-1");
        int newline = Array.IndexOf(golden.GreedyIds, 13);
        Assert.True(newline > 0, "the golden story has a newline");
        string model = temp.File("stories-eos-is-newline.gguf");
        File.WriteAllBytes(model, WithEosToken(File.ReadAllBytes(SharedData.Stories260K), 13));

        var stopped = CinderProcess.Run("run", "-m", model, "-p", golden.Prompt, "-n", "64", "--temp", "0", "--json", "-t", "1").AssertSuccess();
        var j = stopped.LastJsonLine();
        Assert.Equal(golden.GreedyIds[..newline], Golden.Ints(j.GetProperty("ids")));
        Assert.Equal(golden.GreedyText[..golden.GreedyText.IndexOf('\n')], j.GetProperty("text").GetString());

        var ignored = CinderProcess.Run("run", "-m", model, "-p", golden.Prompt, "-n", "64", "--temp", "0", "--json", "--ignore-eos", "-t", "1").AssertSuccess();
        Assert.Equal(golden.GreedyIds, Golden.Ints(ignored.LastJsonLine().GetProperty("ids")));
    }

    [Fact]
    public void TheSameSeedGivesTheSameSampledText()
    {
        string[] args = ["run", "-m", SharedData.Stories260K, "-p", "Once upon a time", "-n", "48", "--temp", "1", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--seed", "42", "--json", "-t", "1"];
        var first = CinderProcess.Run(args).AssertSuccess().LastJsonLine();
        var second = CinderProcess.Run(args).AssertSuccess().LastJsonLine();
        Assert.Equal(first.GetProperty("ids").GetRawText(), second.GetProperty("ids").GetRawText());
        Assert.Equal(first.GetProperty("text").GetString(), second.GetProperty("text").GetString());
    }

    [Fact]
    public void GenerationIsCutToTheContextAndSaysSo()
    {
        // 128 positions, a 5-token prompt: at most 123 tokens whatever -n asks.
        var r = CinderProcess.Run("run", "-m", SharedData.Stories260K, "-p", "Once upon a time", "-n", "500", "--temp", "0", "--ignore-eos", "--json", "-t", "1").AssertSuccess();
        Assert.Equal(123, r.LastJsonLine().GetProperty("ids").GetArrayLength());
        Assert.Contains("generating at most 123 tokens", r.Stderr);
    }

    [Theory]
    [InlineData("--temp", "-1", "--temp")]
    [InlineData("--temp", "abc", "--temp")]
    [InlineData("-n", "0", "--n-predict")]
    [InlineData("-n", "-5", "--n-predict")]
    [InlineData("-n", "1.5", "--n-predict")]
    [InlineData("--top-k", "-1", "--top-k")]
    [InlineData("--top-p", "0", "--top-p")]
    [InlineData("--top-p", "1.5", "--top-p")]
    [InlineData("--min-p", "2", "--min-p")]
    [InlineData("--seed", "-1", "--seed")]
    [InlineData("-t", "-1", "--threads")]
    [InlineData("-t", "100000", "--threads")]
    [InlineData("--bogus", "1", "--bogus")]
    public void ABadOptionValueIsOneLineNamingTheOption(string option, string value, string named)
    {
        var line = CinderProcess.Run("run", "-p", "Once upon a time", option, value).AssertOneLineError();
        Assert.Contains(named, line);
    }

    [Fact]
    public void AMissingPromptIsOneLine() =>
        Assert.Contains("--prompt", CinderProcess.Run("run", "-n", "4").AssertOneLineError());

    [Fact]
    public void APromptLongerThanTheContextIsOneLine()
    {
        string prompt = string.Concat(Enumerable.Repeat("Once upon a time ", 40));
        var line = CinderProcess.Run("run", "-m", SharedData.Stories260K, "-p", prompt).AssertOneLineError();
        Assert.Contains("the context holds 128", line);
    }

    [Fact]
    public void ABadModelIsOneLine()
    {
        string random = temp.File("random.gguf");
        File.WriteAllBytes(random, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 1)).ToArray());
        Assert.Contains("not a GGUF file", CinderProcess.Run("run", "-m", random, "-p", "x").AssertOneLineError());
        Assert.Contains("not found", CinderProcess.Run("run", "-m", temp.File("missing.gguf"), "-p", "x").AssertOneLineError());
        Assert.Contains("is a directory", CinderProcess.Run("run", "-m", temp.Path, "-p", "x").AssertOneLineError());
        // A tokenizer without weights: a GGUF file, but not a model.
        Assert.Contains("token_embd.weight", CinderProcess.Run("run", "-m", SharedData.Vocab("ggml-vocab-llama-spm.gguf"), "-p", "x").AssertOneLineError());
    }

    /// <summary>A copy of a GGUF file whose tokenizer.ggml.eos_token_id (a UINT32 in these files) is <paramref name="eos"/>.</summary>
    internal static byte[] WithEosToken(byte[] gguf, uint eos)
    {
        // A key is stored as u64 length + bytes, then its u32 value type, then the value.
        var key = Encoding.ASCII.GetBytes("tokenizer.ggml.eos_token_id");
        int at = gguf.AsSpan().IndexOf(key);
        Assert.True(at > 8, "the model has tokenizer.ggml.eos_token_id");
        Assert.Equal(4u, BitConverter.ToUInt32(gguf, at + key.Length)); // GGUF_TYPE_UINT32
        var copy = (byte[])gguf.Clone();
        BitConverter.TryWriteBytes(copy.AsSpan(at + key.Length + 4), eos);
        return copy;
    }
}

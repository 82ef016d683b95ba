using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// "`cinder inspect ../shared/models/stories260K.gguf` lists its 48 tensors, architecture llama, 5 blocks, vocab 512.
/// Truncated or random bytes: non-zero exit, one clear line on stderr, no stack trace."
/// </summary>
public class InspectTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    private const string Stories = "../shared/models/stories260K.gguf"; // as the README and the issue write it

    [Fact]
    public void TextListsArchitectureHyperParametersTokenizerAndEveryTensor()
    {
        var r = CinderProcess.Run("inspect", Stories).AssertSuccess();
        var text = r.Stdout;
        AssertRow(text, "architecture", "llama");
        AssertRow(text, "llama.block_count", "5");
        AssertRow(text, "llama.embedding_length", "64");
        AssertRow(text, "llama.feed_forward_length", "172");
        AssertRow(text, "llama.attention.head_count", "8");
        AssertRow(text, "llama.attention.head_count_kv", "4");
        AssertRow(text, "llama.context_length", "128");
        AssertRow(text, "tokenizer", "llama");
        AssertRow(text, "vocab size", "512");
        AssertRow(text, "tensors", "48");
        Assert.Contains("48 tensors", text);
        foreach (var (name, shape) in StoriesModel.Tensors)
        {
            long bytes = shape.Aggregate(4L, (a, b) => a * b);
            string row = $@"│\s*{Regex.Escape(name)}\s*│\s*F32\s*│\s*\[{string.Join(", ", shape)}\]\s*│\s*{Regex.Escape(bytes.ToString("N0", CultureInfo.InvariantCulture))}\s*│";
            Assert.True(Regex.IsMatch(text, row), $"no row for {name} F32 [{string.Join(", ", shape)}] {bytes} bytes\n{text}");
        }
        Assert.Equal(48, Regex.Matches(text, @"│\s*(token_embd|output_norm|output|blk\.\d+\.\w+)\.weight\s*│").Count);
    }

    [Fact]
    public void JsonHasTheSameFactsAndEveryTensor()
    {
        var r = CinderProcess.Run("inspect", Stories, "--json").AssertSuccess();
        Assert.Single(r.StdoutLines);
        var j = r.LastJsonLine();
        Assert.Equal("llama", j.GetProperty("architecture").GetString());
        Assert.Equal(48, j.GetProperty("tensor_count").GetInt32());
        Assert.Equal(new FileInfo(SharedData.Stories260K).Length, j.GetProperty("file_size").GetInt64());
        var hyper = j.GetProperty("hyperparameters");
        Assert.Equal(5, hyper.GetProperty("llama.block_count").GetInt32());
        Assert.Equal(64, hyper.GetProperty("llama.embedding_length").GetInt32());
        Assert.Equal(172, hyper.GetProperty("llama.feed_forward_length").GetInt32());
        Assert.Equal(4, hyper.GetProperty("llama.attention.head_count_kv").GetInt32());
        var tokenizer = j.GetProperty("tokenizer");
        Assert.Equal("llama", tokenizer.GetProperty("model").GetString());
        Assert.Equal(512, tokenizer.GetProperty("vocab_size").GetInt32());
        var metadata = j.GetProperty("metadata");
        Assert.Equal(2, metadata.GetProperty("tokenizer.ggml.eos_token_id").GetInt32());
        Assert.Equal(512, metadata.GetProperty("tokenizer.ggml.tokens").GetProperty("count").GetInt32());

        var tensors = j.GetProperty("tensors").EnumerateArray().ToArray();
        Assert.Equal(StoriesModel.Tensors.Select(t => t.Name), tensors.Select(t => t.GetProperty("name").GetString()));
        long parameters = 0;
        foreach (var (expected, actual) in StoriesModel.Tensors.Zip(tensors))
        {
            Assert.Equal("F32", actual.GetProperty("type").GetString());
            Assert.Equal(expected.Shape, actual.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            long elements = expected.Shape.Aggregate(1L, (a, b) => a * b);
            Assert.Equal(4 * elements, actual.GetProperty("bytes").GetInt64());
            parameters += elements;
        }
        Assert.Equal(parameters, j.GetProperty("parameter_count").GetInt64());
    }

    public static TheoryData<string, bool> BadFiles()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in new[] { "truncated-10", "truncated-5000", "truncated-13000", "truncated-600000", "truncated-last-byte", "random", "random-after-magic", "empty", "missing", "directory" })
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileIsOneClearLine(string kind, bool json)
    {
        string path = MakeBadFile(kind);
        var args = json ? new[] { "inspect", path, "--json" } : new[] { "inspect", path };
        string line = CinderProcess.Run(args).AssertOneLineError();
        string expected = kind switch
        {
            "missing" => $"model file not found: {path}",
            "directory" => "is a directory",
            "empty" => "too short to be GGUF",
            "random" => "not a GGUF file",
            _ => "invalid GGUF at offset ",
        };
        Assert.Contains(expected, line);
    }

    private string MakeBadFile(string kind)
    {
        string path = temp.File($"{kind}.gguf");
        var stories = File.ReadAllBytes(SharedData.Stories260K);
        var random = new Random(20240611);
        switch (kind)
        {
            case "missing":
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "truncated-last-byte":
                File.WriteAllBytes(path, stories[..^1]);
                break;
            case "random":
            {
                var bytes = new byte[100_000];
                random.NextBytes(bytes);
                bytes[0] = 0; // never "GGUF" by chance
                File.WriteAllBytes(path, bytes);
                break;
            }
            case "random-after-magic":
            {
                // A valid magic and version, then noise: counts and lengths read from it must hit the reader's limits.
                var bytes = new byte[100_000];
                random.NextBytes(bytes);
                "GGUF"u8.CopyTo(bytes);
                BitConverter.TryWriteBytes(bytes.AsSpan(4), 3u);
                File.WriteAllBytes(path, bytes);
                break;
            }
            default:
                int length = int.Parse(kind["truncated-".Length..], CultureInfo.InvariantCulture);
                File.WriteAllBytes(path, stories[..length]);
                break;
        }
        return path;
    }

    private static void AssertRow(string text, string key, string value) =>
        Assert.True(Regex.IsMatch(text, $@"│\s*{Regex.Escape(key)}\s*│\s*{Regex.Escape(value)}\s*│"), $"no row '{key}: {value}'\n{text}");
}

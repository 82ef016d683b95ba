using Cinder.TestSupport;
using Xunit.Abstractions;

namespace Cinder.Cli.Tests;

/// <summary>`cinder logits -m MODEL -p PROMPT`: one JSON line {"prompt_ids", "logits"}, the raw logits at the last prompt position.</summary>
public class LogitsTests(ITestOutputHelper output)
{
    /// <summary>../shared/README.md: an engine computing the same function agrees with llama.cpp's logits to about 1e-4.</summary>
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(Golden.Names), MemberType = typeof(Golden))]
    public void LogitsAreLlamaCpps(string name)
    {
        var golden = Golden.Load(name);
        var r = CinderProcess.Run("logits", "-m", SharedData.Stories260K, "-p", golden.Prompt).AssertSuccess();
        Assert.Single(r.StdoutLines);
        var j = r.LastJsonLine();
        Assert.Equal(["prompt_ids", "logits"], j.EnumerateObject().Select(p => p.Name));
        Assert.Equal(golden.PromptIds, Golden.Ints(j.GetProperty("prompt_ids")));
        var logits = Golden.Floats(j.GetProperty("logits"));
        Assert.Equal(golden.Logits.Length, logits.Length);
        float worst = golden.Logits.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{name}: max |logit - llama.cpp's| = {worst}");
        Assert.True(worst <= Tolerance, $"max |logit - llama.cpp's| = {worst}");
    }

    [Fact]
    public void WithoutModelItUsesTheDemoModelAndSaysSo()
    {
        var golden = Golden.Load("stories260K-3");
        var r = CinderProcess.Run("logits", "-p", golden.Prompt, "-t", "1").AssertSuccess();
        Assert.Contains("no model given: using the demo model", r.Stderr);
        Assert.Equal(golden.PromptIds, Golden.Ints(r.LastJsonLine().GetProperty("prompt_ids")));
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        Assert.Contains("--prompt", CinderProcess.Run("logits", "-m", SharedData.Stories260K).AssertOneLineError());
        Assert.Contains("context overflow", CinderProcess.Run("logits", "-m", SharedData.Stories260K, "-p", string.Concat(Enumerable.Repeat("Once upon a time ", 40))).AssertOneLineError());
        Assert.Contains("--threads", CinderProcess.Run("logits", "-m", SharedData.Stories260K, "-p", "x", "-t", "-2").AssertOneLineError());
        Assert.Contains("token_embd.weight", CinderProcess.Run("logits", "-m", SharedData.Vocab("ggml-vocab-llama-spm.gguf"), "-p", "x").AssertOneLineError());
    }
}

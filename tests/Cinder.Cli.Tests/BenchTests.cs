using System.Text.Json;
using System.Text.RegularExpressions;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// `cinder bench -m MODEL [-t 1,2] [-p 128] [-n 32] [-r 3] [--json]`: llama-bench's pp and tg tests, a table with
/// spread, or with --json one line per result; generation also as a share of the measured memory bandwidth.
/// </summary>
public class BenchTests
{
    [Fact]
    public void JsonIsOneLinePerResultWithTheRequiredFields()
    {
        var r = CinderProcess.Run("bench", "-m", SharedData.Stories260K, "-p", "16", "-n", "8", "-r", "1", "--json").AssertSuccess();
        var lines = r.StdoutLines;
        Assert.Equal(2, lines.Length);
        var results = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        Assert.Equal(["pp16", "tg8"], results.Select(j => j.GetProperty("test").GetString()));
        foreach (var j in results)
        {
            Assert.True(j.GetProperty("threads").GetInt32() >= 1);
            double tps = j.GetProperty("tokens_per_second").GetDouble();
            Assert.True(double.IsFinite(tps) && tps > 0, $"tokens_per_second {tps}");
            Assert.Equal("stories260K.gguf", j.GetProperty("model").GetString());
            var samples = j.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Single(samples); // -r 1
            Assert.Equal(tps, samples[0], 6);
            Assert.Equal(0, j.GetProperty("stddev").GetDouble());
        }
        Assert.Equal(16, results[0].GetProperty("tokens").GetInt32());
        Assert.Equal(8, results[1].GetProperty("tokens").GetInt32());
        // Generation reads every weight per token: it is reported against the machine's measured bandwidth.
        double bandwidth = results[1].GetProperty("bandwidth_bytes_per_second").GetDouble();
        double share = results[1].GetProperty("bandwidth_share").GetDouble();
        Assert.True(bandwidth > 1e8, $"bandwidth {bandwidth} B/s");
        Assert.True(share > 0 && double.IsFinite(share), $"share {share}");
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("bandwidth_share").ValueKind);
    }

    [Fact]
    public void TableHasEachThreadCountAndTestWithSpread()
    {
        var r = CinderProcess.Run("bench", "-m", SharedData.Stories260K, "-t", "1,2", "-p", "8", "-n", "4", "-r", "2").AssertSuccess();
        var rows = r.StdoutLines.Where(l => l.StartsWith("| stories260K.gguf", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.Contains(r.StdoutLines, l => Regex.IsMatch(l, @"^\|\s*model\s*\|.*\|\s*threads\s*\|\s*test\s*\|\s*t/s\s*\|\s*of bandwidth\s*\|$"));
        foreach (var (threads, test) in new[] { (1, "pp8"), (1, "tg4"), (2, "pp8"), (2, "tg4") })
        {
            var row = rows.SingleOrDefault(l => Regex.IsMatch(l, $@"\|\s*{threads}\s*\|\s*{test}\s*\|\s*[\d.]+ ± [\d.]+\s*\|"));
            Assert.True(row is not null, $"no row for t={threads} {test}\n{r.Stdout}");
            if (test.StartsWith("tg", StringComparison.Ordinal)) Assert.Matches(@"\d+ ?% of [\d.]+ GB/s", row);
        }
    }

    [Theory]
    [InlineData(new[] { "-r", "0" }, "--repetitions")]
    [InlineData(new[] { "-t", "0" }, "--threads")]
    [InlineData(new[] { "-t", "a,b" }, "--threads")]
    [InlineData(new[] { "-t", "5000" }, "--threads")]
    [InlineData(new[] { "-p", "1000" }, "context of 128")]
    [InlineData(new[] { "-n", "x" }, "--n-gen")]
    [InlineData(new[] { "-p", "0", "-n", "0" }, "nothing to measure")]
    public void BadValuesAreOneLine(string[] option, string named)
    {
        Assert.Contains(named, CinderProcess.Run(["bench", "-m", SharedData.Stories260K, .. option]).AssertOneLineError());
    }

    [Fact]
    public void AModelIsRequired() =>
        Assert.Contains("--model", CinderProcess.Run("bench").AssertOneLineError());
}

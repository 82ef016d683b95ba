namespace Cinder.LoadTest.Tests;

public class TraceFileTests
{
    private static IReadOnlyList<TraceEntry> Parse(string text) => TraceFile.Parse(new StringReader(text), "trace.jsonl");

    [Fact]
    public void Reads_entries_skips_blank_lines_keeps_unknown_fields_and_sorts_stably()
    {
        var entries = Parse("""
            {"t": 2.5, "prompt_tokens": 100, "output_tokens": 20, "tenant": "a"}

            {"t": 0, "prompt": "Once upon a time", "output_tokens": 5, "source": "prod-log"}
            {"t": 2.5, "tenant": "b"}
            """);
        Assert.Equal(3, entries.Count);
        Assert.Equal(new[] { 3, 1, 4 }, entries.Select(e => e.Line));
        Assert.Equal("Once upon a time", entries[0].Prompt);
        Assert.Null(entries[0].PromptTokens);
        Assert.Equal(100, entries[1].PromptTokens);
        Assert.Equal(20, entries[1].OutputTokens);
        Assert.Equal("a", entries[1].Tenant);
        Assert.Null(entries[2].OutputTokens);
        Assert.Equal("b", entries[2].Tenant);
    }

    [Theory]
    [InlineData("{\"t\": 1", "trace.jsonl:1: not valid JSON")]
    [InlineData("[1, 2]", "trace.jsonl:1: expected a JSON object, got an array")]
    [InlineData("{\"prompt_tokens\": 5}", "trace.jsonl:1: missing 't' (arrival time in seconds from the start of the trace)")]
    [InlineData("{\"t\": -1}", "trace.jsonl:1: 't' must be a number of seconds, zero or more, got -1")]
    [InlineData("{\"t\": \"soon\"}", "trace.jsonl:1: 't' must be a number of seconds, zero or more, got \"soon\"")]
    [InlineData("{\"t\": 0, \"output_tokens\": 2.5}", "trace.jsonl:1: 'output_tokens' must be a whole number from 1 to 1000000, got 2.5")]
    [InlineData("{\"t\": 0, \"prompt_tokens\": 0}", "trace.jsonl:1: 'prompt_tokens' must be a whole number from 1 to 1000000, got 0")]
    [InlineData("{\"t\": 0, \"prompt\": \"\"}", "trace.jsonl:1: 'prompt' must be a non-empty string, got \"\"")]
    [InlineData("{\"t\": 0, \"tenant\": 3}", "trace.jsonl:1: 'tenant' must be a non-empty string, got 3")]
    [InlineData("{\"t\": 0, \"prompt\": \"x\", \"prompt_tokens\": 4}", "trace.jsonl:1: give 'prompt' or 'prompt_tokens', not both")]
    [InlineData("\n\n", "trace.jsonl: the trace holds no requests")]
    public void Rejects_bad_lines_with_file_line_and_reason(string text, string message)
    {
        var e = Assert.Throws<LoadTestException>(() => Parse(text));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Errors_name_the_right_line()
    {
        var e = Assert.Throws<LoadTestException>(() => Parse("{\"t\": 0}\n\n{\"t\": 1}\n{\"t\": 2, \"output_tokens\": -4}\n"));
        Assert.Equal("trace.jsonl:4: 'output_tokens' must be a whole number from 1 to 1000000, got -4", e.Message);
    }

    [Fact]
    public void A_missing_file_is_reported_as_such()
    {
        Assert.Throws<FileNotFoundException>(() => TraceFile.Load(Path.Combine(Path.GetTempPath(), $"no-such-trace-{Guid.NewGuid():N}.jsonl")));
    }
}

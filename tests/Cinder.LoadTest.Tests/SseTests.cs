using System.Text;
using System.Text.Json;

namespace Cinder.LoadTest.Tests;

public class SseTests
{
    /// <summary>A stream that hands out its bytes in the given piece sizes (then the rest), like a network peer flushing.</summary>
    private sealed class PiecewiseStream(byte[] data, IEnumerable<int> pieces) : Stream
    {
        private readonly IEnumerator<int> _pieces = pieces.GetEnumerator();
        private int _pos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int want = _pieces.MoveNext() ? _pieces.Current : int.MaxValue;
            int n = Math.Min(Math.Min(want, count), data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<List<SseEvent>> ReadAll(string text, IEnumerable<int>? pieces = null, int bufferSize = 16 * 1024)
    {
        var reader = new SseReader(new PiecewiseStream(Encoding.UTF8.GetBytes(text), pieces ?? []), bufferSize: bufferSize);
        var events = new List<SseEvent>();
        while (await reader.ReadAsync() is { } e) events.Add(e);
        return events;
    }

    private const string OpenAiStream =
        ": keep-alive comment\n\n" +
        "data: {\"choices\":[{\"index\":0,\"text\":\"Hé\",\"finish_reason\":null}]}\r\n\r\n" +
        "data: {\"choices\":[{\"index\":0,\"text\":\" 🙂\",\"finish_reason\":null}]}\r\r" +
        "event: message\n" +
        "data:{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}\n" +
        "id: 7\n\n" +
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n" +
        "data: [DONE]\n\n";

    private static void AssertOpenAiEvents(List<SseEvent> events)
    {
        Assert.Equal(5, events.Count);
        Assert.Equal("{\"choices\":[{\"index\":0,\"text\":\"Hé\",\"finish_reason\":null}]}", events[0].Data);
        Assert.Null(events[0].Type);
        Assert.Equal("{\"choices\":[{\"index\":0,\"text\":\" 🙂\",\"finish_reason\":null}]}", events[1].Data);
        Assert.Equal("message", events[2].Type);
        Assert.StartsWith("{\"choices\"", events[2].Data); // "data:" without a space
        Assert.Equal("[DONE]", events[4].Data);
    }

    [Fact]
    public async Task Reads_a_stream_delivered_whole()
    {
        AssertOpenAiEvents(await ReadAll(OpenAiStream));
    }

    [Fact]
    public async Task Reads_the_same_events_whatever_the_split_into_two_reads()
    {
        int length = Encoding.UTF8.GetByteCount(OpenAiStream);
        for (int split = 1; split < length; split++)
            AssertOpenAiEvents(await ReadAll(OpenAiStream, [split]));
    }

    [Fact]
    public async Task Reads_the_same_events_one_byte_at_a_time_and_with_a_tiny_buffer()
    {
        AssertOpenAiEvents(await ReadAll(OpenAiStream, Enumerable.Repeat(1, 100000)));
        AssertOpenAiEvents(await ReadAll(OpenAiStream, Enumerable.Repeat(3, 100000), bufferSize: 3));
    }

    [Fact]
    public async Task Skips_a_leading_byte_order_mark_even_when_split()
    {
        string withBom = "\uFEFF" + OpenAiStream;
        AssertOpenAiEvents(await ReadAll(withBom));
        for (int split = 1; split <= 4; split++)
            AssertOpenAiEvents(await ReadAll(withBom, [split]));
        AssertOpenAiEvents(await ReadAll(withBom, Enumerable.Repeat(1, 100000)));
        // Only one mark, only at the start: a second one is part of the line (here it spoils the field name).
        Assert.Empty(await ReadAll("\uFEFF\uFEFFdata: x\n\n"));
    }

    [Fact]
    public async Task Joins_data_lines_ignores_unknown_fields_and_dispatches_empty_data()
    {
        var events = await ReadAll("data: one\ndata:two\nretry: 100\nfoo\ndata\n\ndata:\n\n:only a comment\n\n");
        Assert.Equal(2, events.Count);
        Assert.Equal("one\ntwo\n", events[0].Data); // a bare "data" line adds an empty line
        Assert.Equal("", events[1].Data);
    }

    [Fact]
    public async Task An_event_cut_off_by_the_end_of_the_stream_is_still_returned()
    {
        var events = await ReadAll("data: a\n\ndata: [DONE]");
        Assert.Equal(new[] { "a", "[DONE]" }, events.Select(e => e.Data));
        Assert.Empty(await ReadAll(""));
    }

    [Fact]
    public async Task An_overlong_line_is_an_error()
    {
        var reader = new SseReader(new MemoryStream(Encoding.UTF8.GetBytes("data: " + new string('x', 5000) + "\n\n")), maxLineBytes: 1024);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadAsync());
    }

    [Fact]
    public void Completion_chunk_text_is_content()
    {
        var c = StreamChunk.Parse("{\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" hello\",\"finish_reason\":null}]}");
        Assert.True(c.HasContent);
        Assert.Equal(6, c.ContentChars);
        Assert.False(c.Done);
        Assert.Null(c.FinishReason);
        Assert.Null(c.Error);
    }

    [Fact]
    public void Chat_deltas_count_content_and_reasoning_but_not_the_role()
    {
        Assert.False(StreamChunk.Parse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}").HasContent);
        Assert.False(StreamChunk.Parse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}").HasContent);
        Assert.Equal(2, StreamChunk.Parse("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}").ContentChars);
        Assert.Equal(5, StreamChunk.Parse("{\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"think\"}}]}").ContentChars);
        Assert.Equal("stop", StreamChunk.Parse("{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}").FinishReason);
    }

    [Fact]
    public void Usage_chunk_reports_tokens()
    {
        var c = StreamChunk.Parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46}}");
        Assert.Equal(12, c.PromptTokens);
        Assert.Equal(34, c.CompletionTokens);
        Assert.False(c.HasContent);
        var none = StreamChunk.Parse("{\"choices\":[{\"text\":\"a\"}],\"usage\":null}");
        Assert.Null(none.CompletionTokens);
    }

    [Fact]
    public void Errors_mid_stream_are_recognised_as_object_or_string()
    {
        Assert.Equal("out of memory", StreamChunk.Parse("{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\",\"param\":null,\"code\":null}}").Error);
        Assert.Equal("boom", StreamChunk.Parse("{\"error\":\"boom\"}").Error);
        Assert.Null(StreamChunk.Parse("{\"error\":null,\"choices\":[]}").Error);
    }

    [Fact]
    public void Done_sentinel_and_garbage()
    {
        Assert.True(StreamChunk.Parse("[DONE]").Done);
        Assert.True(StreamChunk.Parse(" [DONE] ").Done);
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("{not json"));
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("[1,2]"));
    }
}

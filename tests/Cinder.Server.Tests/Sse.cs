using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Cinder.Server.Tests;

/// <summary>Reads server-sent events as a client does: "data: ..." lines separated by blank lines.</summary>
internal static class Sse
{
    /// <summary>POSTs a streaming request and returns the response with headers read and the body still open.</summary>
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient http, string path, object body, CancellationToken cancellation = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = ServerFixture.Json(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
    }

    /// <summary>Every data payload until the stream ends.</summary>
    public static async Task<List<string>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<string>();
        await foreach (var data in ReadAsync(response)) events.Add(data);
        return events;
    }

    public static async IAsyncEnumerable<string> ReadAsync(HttpResponseMessage response)
    {
        using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal)) yield return line["data: ".Length..];
            else if (line.Length > 0 && !line.StartsWith(':')) throw new InvalidDataException($"unexpected line in an event stream: {line}");
        }
    }

    /// <summary>The text of a streamed completion (choices[0].text of every event before [DONE]).</summary>
    public static string CompletionText(IEnumerable<string> events) =>
        string.Concat(events.TakeWhile(e => e != "[DONE]").Select(e => JsonNode.Parse(e)!["choices"]!.AsArray() is { Count: > 0 } c ? (string?)c[0]!["text"] : null));

    /// <summary>The finish_reason of a streamed completion or chat, if any event has one.</summary>
    public static string? FinishReason(IEnumerable<string> events) => events.TakeWhile(e => e != "[DONE]")
        .Select(e => JsonNode.Parse(e)!["choices"]?.AsArray() is { Count: > 0 } c ? (string?)c[0]!["finish_reason"] : null)
        .LastOrDefault(r => r is not null);
}

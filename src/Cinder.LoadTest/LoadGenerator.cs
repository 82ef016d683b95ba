using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Cinder.LoadTest;

/// <summary>
/// Runs a load test against an OpenAI-compatible server: sends the planned requests open-loop (at their scheduled
/// times, whatever the responses do), streams every response, and measures each one.
/// </summary>
/// <remarks>
/// Open loop is the point: when the server falls behind, its queue grows and shows up as latency and shedding instead
/// of silently lowering the offered load. The client stays light: one HttpClient over SocketsHttpHandler with as
/// many connections as the concurrency limit, the response read as a stream, one small JSON parse per event.
/// Only --concurrency-limit can make the client lag its schedule, and the report's client section says by how much.
/// </remarks>
public sealed class LoadGenerator : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly LoadTestOptions _o;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly SemaphoreSlim _slots;
    private long _start;
    private int _inFlight, _maxInFlight, _sent, _ok, _shed, _errors;
    private string? _model;

    public LoadGenerator(LoadTestOptions options)
    {
        options.Validate();
        _o = options;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.ConcurrencyLimit,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false, // a load test measures the server, not a proxy in between
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each request has its own deadline
        };
        _endpoint = ApiUri(options.BaseUrl, options.Endpoint == ApiEndpoint.Chat ? "chat/completions" : "completions");
        _slots = new SemaphoreSlim(options.ConcurrencyLimit, options.ConcurrencyLimit);
        _model = options.Model;
    }

    /// <summary>The model named in requests (known after <see cref="RunAsync"/> has asked the server, when not given).</summary>
    public string? Model => _model;

    /// <summary><c>{base}/v1/{path}</c>, or <c>{base}/{path}</c> when the base already ends in /v1.</summary>
    public static Uri ApiUri(Uri baseUrl, string path)
    {
        string b = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(b.EndsWith("/v1", StringComparison.Ordinal) ? $"{b}/{path}" : $"{b}/v1/{path}");
    }

    /// <summary>
    /// Checks the server answers (GET /v1/models), learns the model name when none was given, then runs the schedule
    /// and returns the report. Cancelling stops new arrivals and in-flight requests and still returns a report.
    /// </summary>
    /// <exception cref="LoadTestException">The server cannot be reached.</exception>
    public async Task<LoadTestReport> RunAsync(Action<LoadProgress>? progress = null, CancellationToken cancel = default)
    {
        await PreflightAsync(cancel).ConfigureAwait(false);
        var startedAt = DateTimeOffset.UtcNow;
        var results = new List<RequestResult>();
        var tasks = new List<Task>();
        _start = Stopwatch.GetTimestamp();
        using var progressStop = new CancellationTokenSource();
        var progressTask = progress is null ? Task.CompletedTask : ReportProgressAsync(progress, progressStop.Token);
        foreach (var plan in Workload.Plan(_o))
        {
            if (cancel.IsCancellationRequested) break;
            double wait = plan.Time - Now();
            if (wait > 0.0005)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            var r = new RequestResult { Plan = plan };
            results.Add(r);
            tasks.Add(ExecuteAsync(r, cancel));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        progressStop.Cancel();
        await progressTask.ConfigureAwait(false);
        progress?.Invoke(Snapshot());
        return ReportBuilder.Build(_o, _model, results, startedAt, cancel.IsCancellationRequested, _maxInFlight);
    }

    private double Now() => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    private LoadProgress Snapshot() => new(Now(), Volatile.Read(ref _sent), Volatile.Read(ref _ok), Volatile.Read(ref _shed), Volatile.Read(ref _errors), Volatile.Read(ref _inFlight));

    private async Task ReportProgressAsync(Action<LoadProgress> progress, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false)) progress(Snapshot());
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PreflightAsync(CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            // Any HTTP answer proves the server is there. The model list is asked with each tenant's key in turn until
            // one is let in (a tenant may be over its limit or hold a bad key on purpose); with none, the field is omitted.
            foreach (var tenant in _o.Tenants)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, ApiUri(_o.BaseUrl, "models"));
                if (tenant.Key is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                if (_model is not null) return;
                if (!response.IsSuccessStatusCode) continue;
                _model = FirstModel(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
                return;
            }
        }
        catch (HttpRequestException e)
        {
            throw new LoadTestException($"cannot reach {_o.BaseUrl}: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new LoadTestException($"cannot reach {_o.BaseUrl}: no answer to GET /v1/models within 15 s");
        }
    }

    internal static string? FirstModel(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("data", out var data) &&
                data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0 && data[0].ValueKind == JsonValueKind.Object &&
                data[0].TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                return id.GetString();
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private async Task ExecuteAsync(RequestResult r, CancellationToken cancel)
    {
        // Yield at once so the scheduling loop never runs a request's synchronous part (prompt text, JSON, connect).
        await Task.Yield();
        var p = r.Plan;
        string? key = _o.Tenants[p.Tenant].Key;
        bool holding = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            holding = await AcquireAsync(r, cancel).ConfigureAwait(false);
            long t0 = Stopwatch.GetTimestamp();
            r.SentAt = Now();
            r.DispatchLag = Math.Max(0, r.SentAt - p.Time);
            deadline.CancelAfter(_o.Timeout);
            Interlocked.Increment(ref _sent);
            string prompt = p.Prompt ?? _o.Prompts.Build(p.PromptTokens, Workload.PromptRandom(_o.Seed, p.Index));
            r.PromptChars = prompt.Length;
            byte[] body = RequestBody(prompt, p.OutputTokens);
            while (true)
            {
                r.Attempts++;
                await AttemptAsync(r, body, key, t0, deadline.Token).ConfigureAwait(false);
                if (r.Outcome != RequestOutcome.Shed || !_o.RetryShed || r.Attempts > _o.MaxRetries) break;
                double delay = r.LastRetryAfter ?? 1;
                // A wait that would outlast the deadline cannot succeed: the request stays shed rather than timing out.
                if (delay >= (_o.Timeout - Stopwatch.GetElapsedTime(t0)).TotalSeconds) break;
                Release(ref holding);
                await Task.Delay(TimeSpan.FromSeconds(delay), deadline.Token).ConfigureAwait(false);
                holding = await AcquireAsync(null, deadline.Token).ConfigureAwait(false);
            }
        }
        // A cancelled read can surface as an IOException or HttpRequestException as well as an OperationCanceledException,
        // so the tokens, not the exception type, decide between an interruption and a timeout.
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            r.Outcome = RequestOutcome.Cancelled;
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            Fail(r, "timeout", $"no complete answer within {_o.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            Fail(r, "connection", e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
        catch (IOException e)
        {
            Fail(r, "connection", e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            Fail(r, "bad_stream", e.Message);
        }
        catch (Exception e)
        {
            // Whatever else goes wrong with one request is recorded against it; the run and its report go on.
            Fail(r, "client_error", $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Release(ref holding);
            r.EndedAt = Now();
            switch (r.Outcome)
            {
                case RequestOutcome.Ok: Interlocked.Increment(ref _ok); break;
                case RequestOutcome.Shed: Interlocked.Increment(ref _shed); break;
                case RequestOutcome.Error: Interlocked.Increment(ref _errors); break;
            }
        }
    }

    private async Task<bool> AcquireAsync(RequestResult? r, CancellationToken cancel)
    {
        if (!_slots.Wait(0))
        {
            if (r is not null) r.WaitedForSlot = true;
            await _slots.WaitAsync(cancel).ConfigureAwait(false);
        }
        int n = Interlocked.Increment(ref _inFlight);
        int max;
        while (n > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, n, max) != max)
        {
        }
        return true;
    }

    private void Release(ref bool holding)
    {
        if (!holding) return;
        holding = false;
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
    }

    private static void Fail(RequestResult r, string kind, string message)
    {
        r.Outcome = RequestOutcome.Error;
        r.ErrorKind = kind;
        r.ErrorMessage = message;
    }

    /// <summary>One HTTP exchange; sets the outcome and measurements on <paramref name="r"/>.</summary>
    private async Task AttemptAsync(RequestResult r, byte[] body, string? key, long t0, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        r.Status = status;
        if (_o.ShedStatuses.Contains(status))
        {
            r.Outcome = RequestOutcome.Shed;
            r.ShedResponses++;
            r.EndToEnd = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            r.LastRetryAfter = RetryAfterSeconds(response);
            if (r.LastRetryAfter is { } ra) r.RetryAfter.Add(ra);
            else r.RetryAfterMissing++;
            r.ErrorMessage = await ErrorMessageAsync(response, cancel).ConfigureAwait(false);
            return;
        }
        if (!response.IsSuccessStatusCode)
        {
            Fail(r, $"http_{status}", await ErrorMessageAsync(response, cancel).ConfigureAwait(false) ?? response.ReasonPhrase ?? "");
            return;
        }
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            Fail(r, "not_streaming", $"the server answered {mediaType}, not text/event-stream");
            return;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        var reader = new SseReader(stream);
        bool done = false, finished = false, usage = false;
        long last = 0;
        while (await reader.ReadAsync(cancel).ConfigureAwait(false) is { } e)
        {
            long now = Stopwatch.GetTimestamp();
            if (e.Type == "error")
            {
                Fail(r, "stream_error", ErrorText(e.Data));
                return;
            }
            var chunk = StreamChunk.Parse(e.Data);
            if (chunk.Done)
            {
                done = true;
                break;
            }
            if (chunk.Error is { } err)
            {
                Fail(r, "stream_error", err);
                return;
            }
            if (chunk.HasContent)
            {
                if (r.ContentChunks == 0) r.Ttft = Stopwatch.GetElapsedTime(t0, now).TotalSeconds;
                else r.ChunkGaps.Add(Stopwatch.GetElapsedTime(last, now).TotalSeconds);
                last = now;
                r.ContentChunks++;
            }
            if (chunk.FinishReason is not null) finished = true;
            if (chunk.PromptTokens is { } pt) r.UsagePromptTokens = pt;
            if (chunk.CompletionTokens is { } ct)
            {
                r.UsageCompletionTokens = ct;
                usage = true;
            }
        }
        r.EndToEnd = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        if (done || finished || usage)
        {
            r.Outcome = RequestOutcome.Ok;
            r.ErrorMessage = null;
        }
        else
        {
            Fail(r, "truncated", "the event stream ended without [DONE], a finish_reason or usage");
        }
    }

    private static double? RetryAfterSeconds(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } delta) return Math.Max(0, delta.TotalSeconds);
        if (h?.Date is { } date) return Math.Max(0, (date - DateTimeOffset.UtcNow).TotalSeconds);
        // HttpClient parses only whole seconds; a fractional "Retry-After: 0.5" (seen in the wild) is still honoured.
        if (response.Headers.TryGetValues("Retry-After", out var values) &&
            double.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) &&
            double.IsFinite(s) && s >= 0)
            return s;
        return null;
    }

    /// <summary>The message of an OpenAI error body (<c>{"error": {"message": ...}}</c>), else the body's start.</summary>
    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
            var buffer = new byte[8192];
            int n = 0, read;
            while (n < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(n), cancel).ConfigureAwait(false)) > 0) n += read;
            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
            return text.Length == 0 ? null : ErrorText(text);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null;
        }
    }

    internal static string ErrorText(string body)
    {
        try
        {
            var chunk = StreamChunk.Parse(body);
            if (chunk.Error is { } m) return m;
        }
        catch (JsonException)
        {
        }
        string t = body.Trim().ReplaceLineEndings(" ");
        return t.Length <= 200 ? t : t[..197] + "...";
    }

    /// <summary>The JSON body of one request.</summary>
    internal byte[] RequestBody(string prompt, int maxTokens)
    {
        var buffer = new ArrayBufferWriter<byte>(prompt.Length + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (_model is not null) w.WriteString("model", _model);
            if (_o.Endpoint == ApiEndpoint.Chat)
            {
                w.WriteStartArray("messages");
                w.WriteStartObject();
                w.WriteString("role", "user");
                w.WriteString("content", prompt);
                w.WriteEndObject();
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("prompt", prompt);
            }
            w.WriteNumber("max_tokens", maxTokens);
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
            if (_o.IgnoreEos) w.WriteBoolean("ignore_eos", true);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}

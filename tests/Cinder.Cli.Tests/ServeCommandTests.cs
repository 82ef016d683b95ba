using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Cinder.Server;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>`cinder serve` as a user runs it: its errors, its agreement with `cinder run`, and SIGTERM.</summary>
public sealed partial class ServeCommandTests
{
    private static (int Exit, string Out, string Err) RunCli(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = CinderCli.Run(args);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Theory]
    [InlineData("Once upon a time")]
    [InlineData("Lily and Tom went to the park")]
    public async Task GreedyCompletionsPrintExactlyWhatCinderRunPrints(string prompt)
    {
        var (exit, printed, _) = RunCli("run", "-m", SharedData.Stories260K, "-p", prompt, "--temp", "0", "-t", "1");
        Assert.Equal(0, exit);
        Assert.False(string.IsNullOrEmpty(printed));

        await using var server = await CinderServer.StartAsync(new ServerOptions { Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1 }, Port = 0 });
        await server.WhenReady;
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        // No max_tokens on either side: both may fill the context, and both stop at the end of the story.
        using var response = await http.PostAsJsonAsync("/v1/completions", new { prompt, temperature = 0 });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(printed, (string?)body["choices"]![0]!["text"]);
    }

    [Fact]
    public void AMalformedKeysFileStopsServeWithOneLineAndExitCode1()
    {
        string keys = Path.Combine(SharedData.NewTempDirectory("cinder-cli"), "keys.json");
        File.WriteAllText(keys, """{"tenants": [{"name": "team-a", "keys": ["sk-very-secret"], "max_concurrent": "four"}]}""");
        var (exit, _, err) = RunCli("serve", "-m", SharedData.Stories260K, "--port", "0", "--api-keys", keys);
        Assert.Equal(1, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains("max_concurrent", line);
        Assert.DoesNotContain("sk-very-secret", line);
    }

    [Fact]
    public void AnUnknownChatTemplateStopsServeWithOneLineAndExitCode1()
    {
        var (exit, _, err) = RunCli("serve", "-m", SharedData.Stories260K, "--port", "0", "-t", "1", "--chat-template", "nonesuch");
        Assert.Equal(1, exit);
        var error = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("nonesuch", error);
        Assert.DoesNotContain(" at ", err); // no stack trace
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [Fact]
    public async Task SigtermDrainsInFlightStreamsThenExitsZero()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM needs a POSIX system");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cinder.dll"), "serve", "-m", SharedData.Stories260K, "--port", "0", "-t", "1", "--parallel", "1", "--drain-timeout", "20"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var log = new List<string>();
        try
        {
            Uri? address = null;
            while (await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                log.Add(line);
                if (line.StartsWith("listening on ", StringComparison.Ordinal)) address = new Uri(line["listening on ".Length..].Split(' ')[0]);
                if (line == "ready") break;
            }
            Assert.True(address is not null, string.Join('\n', log));
            var rest = process.StandardError.ReadToEndAsync();

            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(200, (int)(await http.GetAsync("/health")).StatusCode);
            // Two streams: one generating, one queued behind it (--parallel 1); both must finish after SIGTERM.
            var streams = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
                {
                    Content = JsonContent.Create(new { prompt = "Once upon a time", max_tokens = 100, ignore_eos = true, stream = true }),
                };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                return await response.Content.ReadAsStringAsync();
            })).ToArray();
            // SIGTERM once one runs and the other waits, as /metrics shows.
            var clock = Stopwatch.StartNew();
            bool busy = false;
            while (!busy && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                var metrics = await http.GetStringAsync("/metrics");
                busy = metrics.Contains("\ncinder_requests_running 1\n") && metrics.Contains("\ncinder_requests_waiting 1\n");
            }
            Assert.Equal(0, Kill(process.Id, 15));
            Assert.True(busy, "never saw one stream running and one waiting");

            var bodies = await Task.WhenAll(streams);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            string stderr = string.Join('\n', log) + "\n" + await rest;
            Assert.True(process.ExitCode == 0, stderr);
            Assert.Contains("SIGTERM", stderr);
            Assert.Contains("drained", stderr);
            foreach (var body in bodies)
            {
                Assert.EndsWith("data: [DONE]", body.TrimEnd());
                Assert.Contains("\"finish_reason\":\"length\"", body);
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task ResidentMemoryStaysFlatOverAThousandRequests()
    {
        Assert.True(OperatingSystem.IsLinux(), "reads /proc/PID/status");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cinder.dll"), "serve", "-m", SharedData.Stories260K, "--port", "0", "-t", "1", "--parallel", "4"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        try
        {
            Uri? address = null;
            while (await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                if (line.StartsWith("listening on ", StringComparison.Ordinal)) address = new Uri(line["listening on ".Length..].Split(' ')[0]);
                if (line == "ready") break;
            }
            Assert.NotNull(address);
            _ = process.StandardError.ReadToEndAsync(); // keep the pipe drained
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };

            // Every kind of request a server sees: plain and streamed completions, chats, and streams the client
            // abandons after the first chunk. Eight at a time against --parallel 4, so some always queue.
            async Task One(int i)
            {
                object body = (i % 4) switch
                {
                    0 => new { prompt = $"Once upon a time {i}", max_tokens = 8, temperature = 0.8, seed = i },
                    1 => new { prompt = "Lily and Tom", max_tokens = 8, stream = true },
                    2 => (object)new { messages = new[] { new { role = "user", content = $"Tell me a story about {i}" } }, max_tokens = 8 },
                    _ => new { prompt = "The little dog", max_tokens = 64, ignore_eos = true, stream = true },
                };
                string path = i % 4 == 2 ? "/v1/chat/completions" : "/v1/completions";
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(200, (int)response.StatusCode);
                if (i % 4 == 3)
                {
                    using var stream = await response.Content.ReadAsStreamAsync();
                    Assert.True(await stream.ReadAsync(new byte[64]) > 0); // one chunk, then hang up
                    return;
                }
                await response.Content.ReadAsStringAsync();
            }
            async Task Run(int from, int count)
            {
                int next = from;
                await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
                {
                    for (int i; (i = Interlocked.Increment(ref next) - 1) < from + count;) await One(i);
                }));
            }

            await Run(0, 300); // warm up: JIT tiers, the heap's and the thread pool's working size
            long warm = ResidentBytes(process.Id);
            var samples = new List<long>();
            for (int round = 0; round < 7; round++)
            {
                await Run(300 + round * 100, 100);
                samples.Add(ResidentBytes(process.Id));
            }
            string trace = $"resident after 300 requests {warm >> 20} MiB, then every 100: {string.Join(", ", samples.Select(s => $"{s >> 20} MiB"))}";
            // Flat: within 24 MiB of the warmed-up size over 700 more requests (measured here: about 120 MiB, levelling
            // off at 129 MiB as the GC heap reaches its budget). A leaked KV block, buffer or token list per request
            // would climb steadily past that.
            Assert.True(samples.Max() - warm < 24 << 20, trace);
            // The abandoned streams of the last round are freed too.
            var clock = Stopwatch.StartNew();
            while (!(await http.GetStringAsync("/metrics")).Contains("\ncinder_requests_running 0\n") && clock.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50);
            Assert.Contains("\ncinder_requests_running 0\n", await http.GetStringAsync("/metrics"));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}

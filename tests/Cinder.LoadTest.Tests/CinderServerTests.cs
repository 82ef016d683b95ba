using Cinder.Server;
using Cinder.TestSupport;

namespace Cinder.LoadTest.Tests;

/// <summary>The load generator against the real <see cref="CinderServer"/> on the demo model (needs ../shared/models/stories260K.gguf).</summary>
[Collection(nameof(NetworkTests))]
public class CinderServerTests
{
    [Fact]
    public async Task Bursty_two_tenant_run_against_cinder_serve_reports_tokens_and_sheds_the_limited_tenant()
    {
        string dir = SharedData.NewTempDirectory("cinder-loadtest");
        string keys = Path.Combine(dir, "keys.json");
        // "free" may have one request in flight; the burst below sends it several at once, so some must be shed with 429.
        File.WriteAllText(keys, """
            {"tenants": [
              {"name": "gold", "keys": ["gold-key"], "weight": 3},
              {"name": "free", "keys": ["free-key"], "max_concurrent": 1}
            ]}
            """);
        try
        {
            await using var server = await CinderServer.StartAsync(new ServerOptions
            {
                Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 4, MaxQueue = 16 },
                Port = 0,
                ApiKeysFile = keys,
            });
            await server.WhenReady;
            var options = new LoadTestOptions
            {
                BaseUrl = server.BaseAddress,
                Tenants = [new TenantSpec("gold", "gold-key"), new TenantSpec("free", "free-key")],
                Rate = 10,
                BurstRate = 200,
                Bursts = new BurstWindows(every: 1, duration: 0.2, start: 0.3),
                Duration = 1.2,
                PromptTokens = TokenDistribution.Parse("uniform:8-24", "--prompt-tokens"),
                OutputTokens = TokenDistribution.Parse("fixed:24", "--output-tokens"),
                Seed = 11,
                Timeout = TimeSpan.FromSeconds(20),
            };
            using var generator = new LoadGenerator(options);
            var report = await generator.RunAsync();

            var all = report.Overall;
            var gold = report.Tenants[0];
            var free = report.Tenants[1];
            string detail = string.Join("; ", report.Tenants.Select(t => $"{t.Tenant}: sent {t.Sent} ok {t.Ok} shed {t.Shed} errors {string.Join(",", t.ErrorExamples)}"));
            Assert.True(all.Sent >= 30, detail);
            Assert.True(all.Errors == 0, detail);
            Assert.Equal(all.Sent, all.Ok + all.Shed);
            Assert.True(gold.Ok > 0 && free.Ok > 0, detail);
            Assert.True(free.Shed > 0, $"free allows one request at a time and was sent a burst: {detail}");
            Assert.Equal(free.Shed, free.RetryAfterS.Count); // Cinder always says when to come back
            Assert.Equal("stories260K", report.Config.Model);
            // ignore_eos: every successful request generated exactly max_tokens, as the server's usage says.
            Assert.Equal(24L * all.Ok, all.OutputTokens);
            Assert.Equal(all.Ok, all.TtftMs.Count);
            Assert.Equal(all.Ok, all.TpotMs.Count);
            Assert.NotNull(all.PromptTokensActualMean);
            Assert.True(all.PromptTokensActualMean > all.PromptTokensRequestedMean, "the demo model's 512-token vocabulary splits words");
            Assert.True(all.OutputTokensPerS > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

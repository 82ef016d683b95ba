using Cinder.Cli.Commands;
using Cinder.Core;

namespace Cinder.LoadTest.Tests;

/// <summary>`cinder loadtest` command lines and tenant specs: what they mean, and the one-line errors for nonsense.</summary>
public class OptionsTests
{
    [Fact]
    public void Tenant_spec_parses_key_share_rate_and_burst_rate()
    {
        var t = TenantSpec.Parse("acme=sk-123,share=2.5,rate=4,burst-rate=40");
        Assert.Equal("acme", t.Name);
        Assert.Equal("sk-123", t.Key);
        Assert.Equal(2.5, t.Share);
        Assert.Equal(4.0, t.Rate);
        Assert.Equal(40.0, t.BurstRate);
        Assert.DoesNotContain("sk-123", t.ToString());
        var anonymous = TenantSpec.Parse("free=");
        Assert.Null(anonymous.Key);
        Assert.Equal(1.0, anonymous.Share);
    }

    [Theory]
    [InlineData("acme", "invalid --tenant 'acme': expected NAME=KEY[,share=W][,rate=R][,burst-rate=B]")]
    [InlineData("=key", "invalid --tenant '=key': expected NAME=KEY")]
    [InlineData("a b=key", "invalid tenant name 'a b': use letters, digits, '_', '-' and '.'")]
    [InlineData("acme=sk-secret,weight=2", "invalid --tenant 'acme=***,weight=2': unknown field 'weight'; expected share=, rate= or burst-rate=")]
    [InlineData("acme=sk-secret,share=x", "invalid --tenant 'acme=***,share=x': share needs a number, got 'x'")]
    [InlineData("acme=sk-secret,share=1,share=2", "invalid --tenant 'acme=***,share=1,share=2': 'share' given twice")]
    [InlineData("acme=k,share=0", "tenant 'acme': share must be a positive number, got 0")]
    [InlineData("acme=k,rate=-1", "tenant 'acme': rate must be zero or a positive number of requests per second, got -1")]
    [InlineData("acme=k,burst-rate=5", "tenant 'acme': burst-rate= needs rate= as well")]
    public void Tenant_spec_errors_say_what_is_wrong_and_never_echo_the_key(string text, string message)
    {
        var e = Assert.Throws<LoadTestException>(() => TenantSpec.Parse(text));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain("sk-secret", e.Message);
    }

    [Fact]
    public void Command_line_maps_onto_the_options()
    {
        var o = LoadtestCommand.ParseOptions("--url", "http://127.0.0.1:8080", "--key", "k1", "--key", "k2", "--tenant", "big=k3,share=2",
            "--model", "m", "--endpoint", "chat", "--duration", "30", "--requests", "100", "--rate", "5", "--burst-rate", "50",
            "--burst-every", "10", "--burst-duration", "2", "--prompt-tokens", "uniform:10-20", "--output-tokens", "lognormal:100,50",
            "--concurrency-limit", "16", "--seed", "9", "--timeout", "12.5", "--warmup", "3", "--retry-shed", "--max-retries", "1",
            "--shed-status", "429", "--shed-status", "503", "--ignore-eos", "false");
        Assert.Equal(new Uri("http://127.0.0.1:8080"), o.BaseUrl);
        Assert.Equal(new[] { "key1", "key2", "big" }, o.Tenants.Select(t => t.Name));
        Assert.Equal(new[] { "k1", "k2", "k3" }, o.Tenants.Select(t => t.Key));
        Assert.Equal("m", o.Model);
        Assert.Equal(ApiEndpoint.Chat, o.Endpoint);
        Assert.Equal(30.0, o.Duration);
        Assert.Equal(100, o.Requests);
        Assert.Equal(5.0, o.Rate);
        Assert.Equal(50.0, o.BurstRate);
        Assert.Equal(new BurstWindows(10, 2, 10), o.Bursts); // the first burst starts one period in by default
        Assert.Equal("uniform:10-20", o.PromptTokens.Text);
        Assert.Equal("lognormal:100,50", o.OutputTokens.Text);
        Assert.Equal(16, o.ConcurrencyLimit);
        Assert.Equal(9, o.Seed);
        Assert.Equal(TimeSpan.FromSeconds(12.5), o.Timeout);
        Assert.Equal(3.0, o.Warmup);
        Assert.True(o.RetryShed);
        Assert.Equal(1, o.MaxRetries);
        Assert.Equal(new[] { 429, 503 }, o.ShedStatuses.Order());
        Assert.False(o.IgnoreEos);
        var rates = Workload.TenantRates(o);
        Assert.Equal((1.25, 12.5), rates[0]);
        Assert.Equal((2.5, 25.0), rates[2]);
    }

    [Fact]
    public void Defaults_are_one_anonymous_tenant_completions_and_128_tokens_each_way()
    {
        var o = LoadtestCommand.ParseOptions("--url", "http://localhost:8080/", "--rate", "1", "--requests", "5");
        var t = Assert.Single(o.Tenants);
        Assert.Equal("default", t.Name);
        Assert.Null(t.Key);
        Assert.Equal(ApiEndpoint.Completions, o.Endpoint);
        Assert.Equal("fixed:128", o.PromptTokens.Text);
        Assert.Equal("fixed:128", o.OutputTokens.Text);
        Assert.True(o.IgnoreEos);
        Assert.False(o.RetryShed);
        Assert.Equal(new[] { 429 }, o.ShedStatuses);
        Assert.Equal(512, o.ConcurrencyLimit);
        Assert.Equal(TimeSpan.FromSeconds(300), o.Timeout);
    }

    [Theory]
    [InlineData("give --duration SECONDS or --requests N (or --trace FILE) to say when the run ends", "--rate", "1")]
    [InlineData("give --rate (mean requests per second), or rate= on every --tenant", "--requests", "3")]
    [InlineData("--burst-rate needs --burst-every and --burst-duration", "--rate", "1", "--requests", "3", "--burst-rate", "9")]
    [InlineData("bursts need both --burst-every and --burst-duration", "--rate", "1", "--requests", "3", "--burst-every", "9")]
    [InlineData("--burst-every and --burst-duration need --burst-rate (or burst-rate= on a --tenant)", "--rate", "1", "--requests", "3", "--burst-every", "9", "--burst-duration", "1")]
    [InlineData("every rate is zero: no request would ever be sent", "--rate", "0", "--requests", "3")]
    [InlineData("with traffic only in bursts, give --duration so the run has an end", "--rate", "0", "--requests", "3", "--burst-rate", "5", "--burst-every", "9", "--burst-duration", "1")]
    [InlineData("--requests must be at least 1, got 0", "--rate", "1", "--requests", "0")]
    [InlineData("--duration must be a positive number of seconds, got -2", "--rate", "1", "--duration", "-2")]
    [InlineData("--concurrency-limit must be at least 1, got 0", "--rate", "1", "--requests", "1", "--concurrency-limit", "0")]
    [InlineData("--timeout must be a positive number of seconds, got 0", "--rate", "1", "--requests", "1", "--timeout", "0")]
    [InlineData("--shed-status takes HTTP error statuses (400-599)", "--rate", "1", "--requests", "1", "--shed-status", "200")]
    [InlineData("tenant 'a' is given twice", "--rate", "1", "--requests", "1", "--tenant", "a=1", "--tenant", "a=2")]
    [InlineData("invalid --prompt-tokens 'gauss:3': unknown distribution 'gauss'", "--rate", "1", "--requests", "1", "--prompt-tokens", "gauss:3")]
    public void Nonsense_is_one_clear_line(string message, params string[] rest)
    {
        var e = Assert.ThrowsAny<CinderException>(() => LoadtestCommand.ParseOptions(["--url", "http://127.0.0.1:8080", .. rest]));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Url_and_endpoint_are_checked()
    {
        Assert.StartsWith("--url must be an absolute http:// or https:// URL, got 'localhost:8080'",
            Assert.ThrowsAny<CinderException>(() => LoadtestCommand.ParseOptions("--url", "localhost:8080", "--rate", "1", "--requests", "1")).Message);
        Assert.Contains("chatty", Assert.ThrowsAny<CinderException>(() => LoadtestCommand.ParseOptions("--url", "http://h", "--endpoint", "chatty", "--rate", "1", "--requests", "1")).Message);
    }

    [Fact]
    public void A_trace_brings_its_own_arrivals_and_its_tenants_must_exist()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cinder-trace-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"t\": 0, \"tenant\": \"a\"}\n{\"t\": 1, \"tenant\": \"ghost\"}\n");
        try
        {
            Assert.Equal("trace line 2: tenant 'ghost' is not configured; give --tenant ghost=KEY",
                Assert.Throws<LoadTestException>(() => LoadtestCommand.ParseOptions("--url", "http://h", "--trace", path, "--tenant", "a=k")).Message);
            Assert.Equal("--trace replays its own arrival times: drop --rate and the --burst-* options",
                Assert.Throws<LoadTestException>(() => LoadtestCommand.ParseOptions("--url", "http://h", "--trace", path, "--tenant", "a=k", "--tenant", "ghost=k2", "--rate", "3")).Message);
            var o = LoadtestCommand.ParseOptions("--url", "http://h", "--trace", path, "--tenant", "a=k", "--tenant", "ghost=k2", "--trace-speed", "4");
            Assert.Equal(2, o.Trace!.Count);
            Assert.Equal(4.0, o.TraceSpeed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Api_paths_accept_a_base_with_or_without_v1()
    {
        Assert.Equal("http://h:1/v1/completions", LoadGenerator.ApiUri(new Uri("http://h:1"), "completions").ToString());
        Assert.Equal("http://h:1/v1/chat/completions", LoadGenerator.ApiUri(new Uri("http://h:1/v1/"), "chat/completions").ToString());
        Assert.Equal("http://h:1/proxy/v1/models", LoadGenerator.ApiUri(new Uri("http://h:1/proxy"), "models").ToString());
    }

    [Fact]
    public void Prompts_have_the_asked_word_count_and_differ_between_requests()
    {
        string a = PromptBuilder.Synthetic.Build(50, Workload.PromptRandom(1, 0));
        string b = PromptBuilder.Synthetic.Build(50, Workload.PromptRandom(1, 1));
        Assert.Equal(50, a.Split(' ').Length);
        Assert.NotEqual(a, b);
        Assert.Equal(a, PromptBuilder.Synthetic.Build(50, Workload.PromptRandom(1, 0)));
        Assert.All(a.Split(' '), w => Assert.Contains(w, PromptBuilder.CommonWords));
        var file = PromptBuilder.FromText("one two three four five six seven eight", "f.txt");
        string c = file.Build(8, new Random(3));
        Assert.Equal(6, c.Split(' ').Length); // 0.75 words per token
        Assert.Throws<LoadTestException>(() => PromptBuilder.FromText(" \n ", "empty.txt"));
    }
}

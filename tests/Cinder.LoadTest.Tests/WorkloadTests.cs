namespace Cinder.LoadTest.Tests;

public class WorkloadTests
{
    private static LoadTestOptions Make(IReadOnlyList<TenantSpec> tenants, double? rate = null, double? duration = null, int? requests = null,
        double? burstRate = null, BurstWindows? bursts = null, double warmup = 0, int seed = 3, IReadOnlyList<TraceEntry>? trace = null, double speed = 1) => new()
    {
        BaseUrl = new Uri("http://127.0.0.1:1"),
        Tenants = tenants,
        Rate = rate,
        Duration = duration,
        Requests = requests,
        BurstRate = burstRate,
        Bursts = bursts,
        Warmup = warmup,
        Seed = seed,
        Trace = trace,
        TraceSpeed = speed,
        PromptTokens = TokenDistribution.Parse("uniform:10-20", "p"),
        OutputTokens = TokenDistribution.Parse("fixed:7", "o"),
    };

    [Fact]
    public void Shares_split_the_rate_between_tenants()
    {
        var o = Make([new TenantSpec("a", "ka"), new TenantSpec("b", "kb", share: 3)], rate: 8, duration: 500);
        o.Validate();
        var plan = Workload.Plan(o).ToList();
        int a = plan.Count(p => p.Tenant == 0), b = plan.Count(p => p.Tenant == 1);
        // a: Poisson mean 1000 (sd 32); b: mean 3000 (sd 55).
        Assert.InRange(a, 1000 - 4 * 32, 1000 + 4 * 32);
        Assert.InRange(b, 3000 - 4 * 55, 3000 + 4 * 55);
        Assert.Equal(Enumerable.Range(0, plan.Count), plan.Select(p => p.Index));
        Assert.True(plan.Zip(plan.Skip(1)).All(x => x.First.Time <= x.Second.Time), "merged in time order");
        Assert.All(plan, p => Assert.True(p.Time < 500));
        Assert.All(plan, p => Assert.InRange(p.PromptTokens, 10, 20));
        Assert.All(plan, p => Assert.Equal(7, p.OutputTokens));
    }

    [Fact]
    public void A_tenant_with_its_own_rate_and_burst_rate_keeps_them()
    {
        var w = new BurstWindows(10, 5, 0);
        var o = Make([new TenantSpec("steady", "k1"), new TenantSpec("noisy", "k2", rate: 1, burstRate: 40)], rate: 4, burstRate: 4, bursts: w, duration: 400);
        o.Validate();
        var rates = Workload.TenantRates(o);
        Assert.Equal((4.0, 4.0), rates[0]);
        Assert.Equal((1.0, 40.0), rates[1]);
        var plan = Workload.Plan(o).ToList();
        int noisyIn = plan.Count(p => p.Tenant == 1 && w.InBurst(p.Time));
        int noisyOut = plan.Count(p => p.Tenant == 1 && !w.InBurst(p.Time));
        Assert.InRange(noisyIn, 8000 - 4 * 90, 8000 + 4 * 90); // 200 s of burst at 40/s
        Assert.InRange(noisyOut, 200 - 4 * 15, 200 + 4 * 15);
        int steady = plan.Count(p => p.Tenant == 0);
        Assert.InRange(steady, 1600 - 4 * 40, 1600 + 4 * 40);
    }

    [Fact]
    public void Requests_counts_measured_requests_and_warmup_is_flagged_by_time()
    {
        var o = Make([new TenantSpec("a", null)], rate: 20, requests: 50, warmup: 2);
        var plan = Workload.Plan(o).ToList();
        Assert.Equal(50, plan.Count(p => !p.Warmup));
        Assert.All(plan, p => Assert.Equal(p.Time < 2, p.Warmup));
        Assert.InRange(plan.Count(p => p.Warmup), 40 - 4 * 6.4, 40 + 4 * 6.4);
    }

    [Fact]
    public void Duration_is_measured_after_the_warmup()
    {
        var o = Make([new TenantSpec("a", null)], rate: 50, duration: 3, warmup: 1);
        var plan = Workload.Plan(o).ToList();
        Assert.All(plan, p => Assert.True(p.Time < 4));
        Assert.True(plan.Last().Time > 3.8);
    }

    [Fact]
    public void Adding_a_tenant_does_not_change_another_tenants_schedule()
    {
        var one = Workload.Plan(Make([new TenantSpec("a", null, rate: 5)], duration: 60)).ToList();
        var two = Workload.Plan(Make([new TenantSpec("a", null, rate: 5), new TenantSpec("b", null, rate: 7)], duration: 60)).Where(p => p.Tenant == 0).ToList();
        Assert.Equal(one.Select(p => (p.Time, p.PromptTokens)), two.Select(p => (p.Time, p.PromptTokens)));
    }

    [Fact]
    public void A_trace_replays_its_times_tenants_and_lengths_scaled_by_speed()
    {
        var trace = TraceFile.Parse(new StringReader("""
            {"t": 0.0, "prompt_tokens": 100, "output_tokens": 5, "tenant": "b"}
            {"t": 1.0, "prompt": "hello there", "output_tokens": 9}
            {"t": 2.0}
            {"t": 3.0, "tenant": "a"}
            """), "t.jsonl");
        var o = Make([new TenantSpec("a", null), new TenantSpec("b", null)], trace: trace, speed: 2);
        o.Validate();
        var plan = Workload.Plan(o).ToList();
        Assert.Equal(new[] { 0.0, 0.5, 1.0, 1.5 }, plan.Select(p => p.Time));
        Assert.Equal(new[] { 1, 0, 0, 0 }, plan.Select(p => p.Tenant));
        Assert.Equal(100, plan[0].PromptTokens);
        Assert.Equal("hello there", plan[1].Prompt);
        Assert.Equal(0, plan[1].PromptTokens);
        Assert.Equal(new[] { 5, 9, 7, 7 }, plan.Select(p => p.OutputTokens));
        Assert.InRange(plan[2].PromptTokens, 10, 20);

        var cut = Workload.Plan(Make([new TenantSpec("a", null), new TenantSpec("b", null)], trace: trace, requests: 2)).ToList();
        Assert.Equal(2, cut.Count);
    }
}

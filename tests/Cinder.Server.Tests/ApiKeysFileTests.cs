using Cinder.Server.Tenancy;

namespace Cinder.Server.Tests;

/// <summary>The --api-keys file: tenants mapped to policies, every malformation one clear line that never shows a key.</summary>
public sealed class ApiKeysFileTests
{
    [Fact]
    public void TenantsMapToPoliciesAndKeysToTheirTenant()
    {
        var directory = TenantDirectory.Parse("""
            {"tenants": [
              {"name": "team-a", "keys": ["sk-a1", "sk-a2"], "weight": 1, "max_concurrent": 4, "tokens_per_minute": 60000},
              {"name": "team-b", "keys": ["sk-b"], "weight": 2.5}
            ]}
            """);
        Assert.Equal(2, directory.Tenants.Count);
        Assert.Equal(new Engine.Scheduling.TenantPolicy("team-a", 1, 4, 60000), directory.Tenants[0]);
        Assert.Equal(new Engine.Scheduling.TenantPolicy("team-b", 2.5, null, null), directory.Tenants[1]);
        Assert.Equal(3, directory.KeyCount);
        Assert.Equal("team-a", directory.Authenticate("sk-a2")?.Name);
        Assert.Equal("team-b", directory.Authenticate("sk-b")?.Name);
        Assert.Null(directory.Authenticate("sk-b "));
        Assert.Null(directory.Authenticate("sk-"));
        Assert.Null(directory.Authenticate(""));
        Assert.Null(directory.Authenticate(new string('x', 5000)));
    }

    [Theory]
    [InlineData("", "not a valid API keys file")]
    [InlineData("{\"tenants\": [", "not a valid API keys file")]
    [InlineData("[]", "not a valid API keys file")]
    [InlineData("{}", "has no tenants")]
    [InlineData("{\"tenants\": []}", "has no tenants")]
    [InlineData("{\"tenants\": [{\"keys\": [\"sk-secret-1\"]}]}", "tenants[0].name is missing")]
    [InlineData("{\"tenants\": [{\"name\": \"a b\", \"keys\": [\"sk-secret-1\"]}]}", "tenants[0].name 'a b' may use only")]
    [InlineData("{\"tenants\": [{\"name\": \"anonymous\", \"keys\": [\"sk-secret-1\"]}]}", "reserved")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": []}]}", "tenants[0] ('a') has no keys")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"\"]}]}", "tenants[0].keys[0] is empty")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk secret\"]}]}", "tenants[0].keys[0] contains spaces")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"], \"weight\": 0}]}", "tenants[0].weight must be a positive number")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"], \"max_concurrent\": 0}]}", "tenants[0].max_concurrent must be at least 1")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"], \"tokens_per_minute\": -1}]}", "tenants[0].tokens_per_minute must be at least 1")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"], \"max_concurent\": 2}]}", "max_concurent")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"], \"weight\": \"heavy\"}]}", "tenants[0].weight")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"]}, {\"name\": \"a\", \"keys\": [\"sk-secret-2\"]}]}", "tenants[1].name 'a' is used by an earlier tenant")]
    [InlineData("{\"tenants\": [{\"name\": \"a\", \"keys\": [\"sk-secret-1\"]}, {\"name\": \"b\", \"keys\": [\"sk-secret-1\"]}]}", "tenants[1].keys[0] is also given earlier")]
    public void AMalformedFileIsOneLineNamingTheProblemAndNoKey(string json, string expected)
    {
        var e = Assert.Throws<ApiKeysFormatException>(() => TenantDirectory.Parse(json, "keys.json"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("keys.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("sk-secret", e.Message);
    }

    [Fact]
    public void AMissingFileIsAFormatErrorNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cinder-no-such-keys-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<ApiKeysFormatException>(() => TenantDirectory.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task AServerWithAMalformedFileDoesNotStart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cinder-bad-keys-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\"tenants\": [{\"name\": \"a\"}]}");
        try
        {
            await Assert.ThrowsAsync<ApiKeysFormatException>(() => CinderServer.StartAsync(new ServerOptions
            {
                Model = new ModelHostOptions { ModelPath = TestSupport.SharedData.Stories260K },
                Port = 0,
                ApiKeysFile = path,
            }));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Cinder.TestSupport;

namespace Cinder.Server.Tests;

/// <summary>
/// LlamaIndex.TS (tests/clients/llamaindex, versions pinned in its package-lock.json), configured with nothing but the
/// base URL and a key, gets answers streamed and not, and a 401 for a wrong key. Needs node on PATH and
/// <c>npm ci --prefix tests/clients/llamaindex</c> run once (CI does).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class LlamaIndexClientTests(ServerFixture fixture)
{
    [Fact]
    public async Task LlamaIndexGetsAnswersStreamedAndNot()
    {
        string client = Path.Combine(SharedData.RepoRoot, "tests", "clients", "llamaindex");
        Assert.True(Directory.Exists(Path.Combine(client, "node_modules", "@llamaindex", "openai")),
            $"the LlamaIndex client is not installed: run `npm ci --prefix tests/clients/llamaindex --ignore-scripts` from the repository root");

        var start = new ProcessStartInfo("node", ["client.mjs"])
        {
            WorkingDirectory = client,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CINDER_BASE_URL"] = fixture.V1.ToString();
        start.Environment["CINDER_API_KEY"] = ServerFixture.KeyB;
        start.Environment["CINDER_MODEL"] = ServerFixture.Model;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"node client.mjs exited {node.ExitCode}: {await stderr}");

        var result = JsonNode.Parse((await stdout).Trim().Split('\n')[^1])!;
        string chat = (string)result["chat"]!;
        // LlamaIndex asks at temperature 0 for 24 tokens: the same greedy answer any client gets.
        var (_, expected, _) = await fixture.PostAsync("/v1/chat/completions", new
        {
            messages = new[] { new { role = "user", content = "Tell me a story about a dog." } },
            temperature = 0,
            max_tokens = 24,
        });
        Assert.Equal((string?)expected!["choices"]![0]!["message"]!["content"], chat);
        Assert.Equal(chat, (string?)result["streamed"]);
        Assert.False(string.IsNullOrEmpty((string?)result["complete"]));
        Assert.Equal(401, (int)result["badKeyStatus"]!);
    }
}

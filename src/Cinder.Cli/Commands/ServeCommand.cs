using System.CommandLine;
using System.Runtime.InteropServices;
using Cinder.Server;

namespace Cinder.Cli.Commands;

/// <summary>`cinder serve`: the OpenAI-compatible HTTP server. SIGTERM or Ctrl+C drains in-flight requests, then exits 0.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model", "-m") { Description = $"GGUF model file (default: the demo model {ModelPaths.DemoModelRelative})" };
        var host = new Option<string>("--host") { Description = "address to listen on: 127.0.0.1 (default), ::1, 0.0.0.0, :: or localhost", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var apiKeys = new Option<FileInfo?>("--api-keys") { Description = "JSON file of tenants and their keys; with it every /v1 request needs 'Authorization: Bearer KEY'" };
        var ctxSize = new Option<int>("--ctx-size", "-c") { Description = "longest sequence, prompt plus generation (default: the model's context)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads", "-t") { Description = "worker threads (default: one per physical core)", DefaultValueFactory = _ => 0 };
        var alias = new Option<string?>("--alias", "-a") { Description = "model name clients use (default: the file name without extension)" };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "chat template: a built-in name (chatml, llama2, llama3, llama3.1, mistral, phi3, gemma, zephyr, qwen2.5) or a Jinja file (default: the model's, else chatml)" };
        var parallel = new Option<int>("--parallel", "-np") { Description = "most requests generated together", DefaultValueFactory = _ => 4 };
        var kvSize = new Option<int>("--kv-size") { Description = "KV cache size in tokens for all requests together (default: ctx-size x parallel)", DefaultValueFactory = _ => 0 };
        var maxQueue = new Option<int>("--max-queue") { Description = "most requests waiting for a slot before 429", DefaultValueFactory = _ => 64 };
        var drainTimeout = new Option<double>("--drain-timeout") { Description = "seconds in-flight requests may run on after SIGTERM", DefaultValueFactory = _ => 30 };
        var maxBody = new Option<long>("--max-body") { Description = "largest request body in bytes (larger: 413)", DefaultValueFactory = _ => 1 << 20 };
        var command = new Command("serve", "OpenAI-compatible HTTP server: /v1/chat/completions, /v1/completions, /v1/models, /health, /metrics.")
        {
            model, host, port, apiKeys, ctxSize, threads, alias, chatTemplate, parallel, kvSize, maxQueue, drainTimeout, maxBody,
        };
        command.SetAction(async (parse, _) =>
        {
            double drain = parse.GetValue(drainTimeout);
            if (!(drain >= 0) || double.IsInfinity(drain)) throw new UsageException($"--drain-timeout must be a number of seconds, 0 or more, got {drain}");
            var options = new ServerOptions
            {
                Model = new ModelHostOptions
                {
                    ModelPath = ModelPaths.Resolve(parse.GetValue(model)),
                    Alias = parse.GetValue(alias),
                    ContextSize = parse.GetValue(ctxSize),
                    Threads = parse.GetValue(threads),
                    Parallel = parse.GetValue(parallel),
                    KvSize = parse.GetValue(kvSize),
                    MaxQueue = parse.GetValue(maxQueue),
                    ChatTemplate = parse.GetValue(chatTemplate),
                },
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKeysFile = parse.GetValue(apiKeys)?.FullName,
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                DrainTimeout = TimeSpan.FromSeconds(drain),
                Log = line => Console.Error.WriteLine(line),
            };
            return await RunAsync(options).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Serves until SIGTERM or SIGINT, then drains. A second signal during the drain ends the process at once.</summary>
    private static async Task<int> RunAsync(ServerOptions options)
    {
        var stop = new TaskCompletionSource<PosixSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            // The first signal starts the drain; a second one is left to its default action (terminate).
            if (stop.TrySetResult(context.Signal)) context.Cancel = true;
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        await using var server = await CinderServer.StartAsync(options).ConfigureAwait(false);
        var first = await Task.WhenAny(server.WhenReady, stop.Task).ConfigureAwait(false);
        if (first == server.WhenReady) await server.WhenReady.ConfigureAwait(false); // a load failure throws here: one line, exit 1
        var signal = await stop.Task.ConfigureAwait(false);
        options.Log?.Invoke($"{signal}: no new requests; /health answers 503");
        bool drained = await server.DrainAsync().ConfigureAwait(false);
        options.Log?.Invoke(drained ? "drained: every request finished; stopping" : "drain timeout: unfinished requests were cancelled; stopping");
        return 0;
    }
}

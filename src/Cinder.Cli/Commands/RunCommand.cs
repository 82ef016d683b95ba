using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Cinder.Engine;
using Cinder.Models;

namespace Cinder.Cli.Commands;

/// <summary>`cinder run`: generate from a prompt, streaming only the generated text to stdout.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new GenerationOptions();
        var prompt = new Option<string>("--prompt", "-p") { Description = "prompt text (special tokens such as <s> are recognised)", Required = true };
        var count = new Option<int>("--n-predict", "-n") { Description = "most tokens to generate", DefaultValueFactory = _ => 256 };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "do not stop at end-of-sequence tokens" };
        var json = new Option<bool>("--json") { Description = "end with one JSON line {\"prompt_ids\", \"ids\", \"text\"}" };
        var command = new Command("run", "Generate text from a prompt; the text streams to stdout, diagnostics to stderr.") { prompt, count, ignoreEos, json };
        options.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var sampling = options.Sampling(parse);
            int n = parse.GetValue(count);
            if (n < 1) throw new UsageException("--n-predict must be at least 1");
            int threadCount = ThreadCounts.Check(parse.GetValue(options.Threads));
            using var model = ModelLoader.Load(ModelPaths.Resolve(parse.GetValue(options.Model)));
            var tokenizer = model.Tokenizer;
            var promptIds = tokenizer.Encode(parse.GetValue(prompt)!, addSpecial: true, parseSpecial: true);
            if (promptIds.Length == 0) throw new UsageException("the prompt is empty");
            int maxTokens = Math.Min(n, model.ContextLength - promptIds.Length);
            if (maxTokens < 1) throw new Core.ContextOverflowException(promptIds.Length + 1, model.ContextLength);
            if (maxTokens < n) Console.Error.WriteLine($"note: generating at most {maxTokens} tokens: the context holds {model.ContextLength} and the prompt takes {promptIds.Length}");

            using var engine = new InferenceEngine(model, tokenizer, new EngineOptions
            {
                Threads = threadCount,
                MaxRunning = 1,
                TokenBudget = Math.Min(512, Math.Max(promptIds.Length, 16)),
                KvTokens = promptIds.Length + maxTokens,
                ContextLength = model.ContextLength,
                PrefixCaching = false,
            });
            Console.Error.WriteLine($"model: {model.Architecture}, {model.LayerCount} layers, vocab {model.VocabSize}, context {model.ContextLength}; {engine.Threads} threads; prompt {promptIds.Length} tokens");
            var handle = engine.Submit(new GenerationRequest
            {
                PromptIds = promptIds,
                Sampling = sampling,
                MaxTokens = maxTokens,
                IgnoreEos = parse.GetValue(ignoreEos),
            }, cancel);

            var ids = new List<int>();
            var text = new System.Text.StringBuilder();
            var stdout = Console.Out;
            CompletionEvent? done = null;
            var clock = Stopwatch.StartNew();
            await foreach (var e in handle.Events.ReadAllAsync(CancellationToken.None))
            {
                switch (e)
                {
                    case TokenEvent t:
                        if (t.TokenId >= 0) ids.Add(t.TokenId);
                        text.Append(t.Text);
                        stdout.Write(t.Text);
                        stdout.Flush();
                        break;
                    case CompletionEvent c:
                        done = c;
                        break;
                }
            }
            if (done is null || done.Reason == FinishReason.Error) throw new InvalidOperationException($"generation failed: {done?.Error ?? "no completion"}");
            if (done.Reason == FinishReason.Cancelled) throw new OperationCanceledException();
            var generation = done.Elapsed - done.TimeToFirstToken;
            Console.Error.WriteLine();
            Console.Error.WriteLine($"prompt: {promptIds.Length} tokens in {done.TimeToFirstToken.TotalMilliseconds:F0} ms ({promptIds.Length / Math.Max(done.TimeToFirstToken.TotalSeconds, 1e-9):F1} tok/s); " +
                                    $"generation: {ids.Count} tokens in {done.Elapsed.TotalMilliseconds:F0} ms ({Math.Max(ids.Count - 1, 0) / Math.Max(generation.TotalSeconds, 1e-9):F1} tok/s); finish: {done.Reason.ToString().ToLowerInvariant()}");
            if (parse.GetValue(json))
            {
                stdout.WriteLine();
                stdout.WriteLine(JsonSerializer.Serialize(new RunResult(promptIds, ids.ToArray(), text.ToString()), CliJson.Readable.RunResult));
            }
            return 0;
        });
        return command;
    }

    /// <summary>The --json line.</summary>
    internal sealed record RunResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("prompt_ids")] int[] PromptIds,
        [property: System.Text.Json.Serialization.JsonPropertyName("ids")] int[] Ids,
        [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text);
}

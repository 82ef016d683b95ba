using System.CommandLine;
using System.Text.Json;
using Cinder.Kernels.Threading;
using Cinder.Models;

namespace Cinder.Cli.Commands;

/// <summary>`cinder logits -m MODEL -p PROMPT`: the raw logits at the last prompt position, as one JSON line.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model", "-m") { Description = $"GGUF model file (default: the demo model {ModelPaths.DemoModelRelative})" };
        var prompt = new Option<string>("--prompt", "-p") { Description = "prompt text (BOS added as the model asks, special tokens parsed)", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "worker threads (default: one per physical core)", DefaultValueFactory = _ => 0 };
        var command = new Command("logits", "Print the raw logits at the last prompt position as one JSON line {\"prompt_ids\", \"logits\"}.") { model, prompt, threads };
        command.SetAction(parse =>
        {
            int threadCount = ThreadCounts.Check(parse.GetValue(threads));
            using var m = ModelLoader.Load(ModelPaths.Resolve(parse.GetValue(model)));
            var ids = m.Tokenizer.Encode(parse.GetValue(prompt)!, addSpecial: true, parseSpecial: true);
            if (ids.Length == 0) throw new UsageException("the prompt is empty");
            if (ids.Length > m.ContextLength) throw new Core.ContextOverflowException(ids.Length, m.ContextLength);
            using var pool = new WorkerPool(threadCount);
            using var cache = m.CreateKvCache(ids.Length);
            using var workspace = m.CreateWorkspace(Math.Min(ids.Length, 512), pool);
            var sequence = new KvSequence(cache, m.ContextLength);
            var batch = new ForwardBatch(workspace.MaxBatchTokens);
            float[] logits = Array.Empty<float>();
            for (int start = 0; start < ids.Length; start += batch.Capacity)
            {
                batch.Clear();
                int end = Math.Min(ids.Length, start + batch.Capacity);
                for (int i = start; i < end; i++) batch.Add(ids[i], i, sequence, i == ids.Length - 1);
                var output = workspace.Forward(batch);
                if (!output.IsEmpty) logits = output.ToArray();
            }
            Console.Out.WriteLine(JsonSerializer.Serialize(new LogitsResult(ids, logits), CliJson.Readable.LogitsResult));
            return 0;
        });
        return command;
    }

    internal sealed record LogitsResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("prompt_ids")] int[] PromptIds,
        [property: System.Text.Json.Serialization.JsonPropertyName("logits")] float[] Logits);
}

using System.CommandLine;
using Cinder.Engine.Sampling;

namespace Cinder.Cli.Commands;

/// <summary>Options shared by commands that load a model and generate.</summary>
internal sealed class GenerationOptions
{
    public Option<FileInfo?> Model { get; } = new("--model", "-m") { Description = $"GGUF model file (default: the demo model {ModelPaths.DemoModelRelative})" };
    public Option<int> Threads { get; } = new("--threads", "-t") { Description = "worker threads (default: one per physical core)", DefaultValueFactory = _ => 0 };
    public Option<float> Temperature { get; } = new("--temp") { Description = "sampling temperature; 0 is greedy", DefaultValueFactory = _ => 0.8f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "keep the K most likely tokens (0: off)", DefaultValueFactory = _ => 40 };
    public Option<float> TopP { get; } = new("--top-p") { Description = "keep the most likely tokens up to this probability mass (1: off)", DefaultValueFactory = _ => 0.95f };
    public Option<float> MinP { get; } = new("--min-p") { Description = "drop tokens below this fraction of the best one's probability (0: off)", DefaultValueFactory = _ => 0.05f };
    public Option<float> RepeatPenalty { get; } = new("--repeat-penalty") { Description = "penalty for recently seen tokens (1: off)", DefaultValueFactory = _ => 1f };
    public Option<float> PresencePenalty { get; } = new("--presence-penalty") { Description = "subtracted once from logits of seen tokens", DefaultValueFactory = _ => 0f };
    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty") { Description = "subtracted per occurrence from logits of seen tokens", DefaultValueFactory = _ => 0f };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "random seed; the same seed gives the same output (default: random)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Threads);
        command.Options.Add(Temperature);
        command.Options.Add(TopK);
        command.Options.Add(TopP);
        command.Options.Add(MinP);
        command.Options.Add(RepeatPenalty);
        command.Options.Add(PresencePenalty);
        command.Options.Add(FrequencyPenalty);
        command.Options.Add(Seed);
    }

    public SamplingParameters Sampling(ParseResult parse)
    {
        var p = new SamplingParameters
        {
            Temperature = parse.GetValue(Temperature),
            TopK = parse.GetValue(TopK),
            TopP = parse.GetValue(TopP),
            MinP = parse.GetValue(MinP),
            RepetitionPenalty = parse.GetValue(RepeatPenalty),
            PresencePenalty = parse.GetValue(PresencePenalty),
            FrequencyPenalty = parse.GetValue(FrequencyPenalty),
            Seed = parse.GetValue(Seed) ?? (ulong)Random.Shared.NextInt64(),
        };
        try
        {
            p.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException($"invalid --{OptionName(e.ParamName)}: {e.Message.Split(" (Parameter")[0]}");
        }
        return p;
    }

    private static string OptionName(string? parameter) => parameter switch
    {
        nameof(SamplingParameters.Temperature) => "temp",
        nameof(SamplingParameters.TopK) => "top-k",
        nameof(SamplingParameters.TopP) => "top-p",
        nameof(SamplingParameters.MinP) => "min-p",
        nameof(SamplingParameters.RepetitionPenalty) => "repeat-penalty",
        nameof(SamplingParameters.PresencePenalty) => "presence-penalty",
        nameof(SamplingParameters.FrequencyPenalty) => "frequency-penalty",
        _ => parameter ?? "option",
    };
}

namespace Cinder.Engine.Sampling;

/// <summary>
/// How the next token is chosen from the logits. Temperature 0 means greedy (argmax). Otherwise the chain
/// runs in llama.cpp's order: penalties, top-k, top-p, min-p, temperature, then a draw from the softmax.
/// </summary>
public sealed record SamplingParameters
{
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    /// <summary>0 for greedy; otherwise logits are divided by it before the softmax.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 disables.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of tokens whose probability reaches P; 1 disables.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than MinP times the most likely one; 0 disables.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Divides positive (multiplies negative) logits of recently seen tokens; 1 disables.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted once from the logit of any token seen recently (OpenAI's presence_penalty).</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Subtracted per occurrence from the logit of recently seen tokens (OpenAI's frequency_penalty).</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>How many of the last tokens the penalties look at (llama.cpp's penalty_last_n); -1 means all.</summary>
    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Seed of the draw; the same seed, prompt and parameters give the same tokens.</summary>
    public ulong Seed { get; init; } = 0xC1DE5EEDUL;

    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature) || Temperature < 0 || Temperature > 100) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be between 0 and 100");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top-k must be 0 (off) or positive");
        if (float.IsNaN(TopP) || TopP <= 0 || TopP > 1) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1]");
        if (float.IsNaN(MinP) || MinP < 0 || MinP > 1) throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "min-p must be in [0, 1]");
        if (float.IsNaN(RepetitionPenalty) || RepetitionPenalty <= 0) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "repetition penalty must be positive");
        if (float.IsNaN(PresencePenalty) || PresencePenalty < -2 || PresencePenalty > 2) throw new ArgumentOutOfRangeException(nameof(PresencePenalty), PresencePenalty, "presence penalty must be between -2 and 2");
        if (float.IsNaN(FrequencyPenalty) || FrequencyPenalty < -2 || FrequencyPenalty > 2) throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), FrequencyPenalty, "frequency penalty must be between -2 and 2");
        if (PenaltyLastN < -1) throw new ArgumentOutOfRangeException(nameof(PenaltyLastN), PenaltyLastN, "penalty window must be -1 (all) or at least 0");
    }
}

namespace Cinder.Tokenizers;

/// <summary>
/// The text-based conventions llama.cpp applies when it loads a vocabulary, because GGUF files do not say everything:
/// which token ends a turn, which tokens end generation, and per-model attribute fixes.
/// </summary>
internal static class Conventions
{
    private static readonly string[] EotTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
        "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ];
    private static readonly string[] EomTexts = ["<|eom_id|>"];
    private static readonly string[] FimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
    private static readonly string[] FimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
    private static readonly string[] FimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
    private static readonly string[] FimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
    private static readonly string[] FimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    private static readonly string[] FimSepTexts = ["<|file_sep|>"];
    private static readonly HashSet<string> EogTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ];

    /// <summary>
    /// Fills unset end-of-turn/message and fill-in-the-middle ids from token texts (marking those tokens control),
    /// marks control tokens named "unused" as unused, applies llama.cpp's per-model attribute fixes, and returns the
    /// end-of-generation set.
    /// </summary>
    /// <remarks>
    /// llama.cpp scans a hash map, so when a vocabulary holds two candidates for one role its choice is unspecified;
    /// here the earlier text in llama.cpp's list wins, then the lower id.
    /// </remarks>
    public static int[] Apply(string[] texts, TokenAttributes[] attributes,
        ref int eot, ref int eom, ref int fimPre, ref int fimSuf, ref int fimMid, ref int fimPad, ref int fimRep, ref int fimSep,
        int eos, string modelName, string pre, string architecture)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < texts.Length; i++) ids.TryAdd(texts[i], i);

        void Detect(ref int id, string[] candidates)
        {
            if (id >= 0) return;
            foreach (var text in candidates)
            {
                if (!ids.TryGetValue(text, out int found)) continue;
                id = found;
                attributes[found] |= TokenAttributes.Control;
                return;
            }
        }
        Detect(ref eot, EotTexts);
        Detect(ref eom, EomTexts);
        Detect(ref fimPre, FimPreTexts);
        Detect(ref fimSuf, FimSufTexts);
        Detect(ref fimMid, FimMidTexts);
        Detect(ref fimPad, FimPadTexts);
        Detect(ref fimRep, FimRepTexts);
        Detect(ref fimSep, FimSepTexts);

        for (int i = 0; i < texts.Length; i++)
        {
            if ((attributes[i] & TokenAttributes.Control) != 0 && texts[i].Contains("unused", StringComparison.Ordinal))
                attributes[i] |= TokenAttributes.Unused;
        }

        var eog = new SortedSet<int>();
        foreach (int id in new[] { fimPad, fimRep, fimSep }) if (id >= 0) eog.Add(id);
        for (int i = 0; i < texts.Length; i++)
        {
            if (!EogTexts.Contains(texts[i])) continue;
            eog.Add(i);
            attributes[i] |= TokenAttributes.Control;
        }

        // gpt-oss: these always render
        foreach (var text in new[] { "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>" })
            if (ids.TryGetValue(text, out int id)) attributes[id] = TokenAttributes.UserDefined;

        foreach (int id in new[] { eos, eot, eom }) if (id >= 0) eog.Add(id);

        // o200k_harmony and solar-open: "<|end|>" ends a message, not generation
        bool Has(string text) => eog.Any(id => texts[id] == text);
        bool call = Has("<|call|>") || Has("<|calls|>");
        if ((Has("<|return|>") && call && Has("<|end|>")) || (call && Has("<|flush|>") && Has("<|end|>")))
        {
            int end = eog.First(id => texts[id] == "<|end|>");
            eog.Remove(end);
            attributes[end] = TokenAttributes.UserDefined;
        }
        // gemma4: "</s>" is not an end of generation
        if (Has("<|tool_response>") && Has("</s>"))
        {
            int s = eog.First(id => texts[id] == "</s>");
            eog.Remove(s);
            attributes[s] = TokenAttributes.Normal;
        }

        // per-model attributes (llama.cpp sets them by name because GGUF does not carry them)
        string name = modelName.ToLowerInvariant();
        if (pre.Contains("jina-v2-de") || pre.Contains("jina-v2-es") || pre.Contains("jina-v2-code")
            || architecture.Contains("nomic-bert-moe") || architecture.Contains("jina-bert-v3"))
        {
            if (ids.TryGetValue("<mask>", out int id)) attributes[id] |= TokenAttributes.LStrip;
        }
        else if (name.Contains("phi-3") || name.Contains("phi3"))
        {
            const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
            for (int i = 0; i < attributes.Length; i++) if ((attributes[i] & special) != 0) attributes[i] |= TokenAttributes.RStrip;
            if (ids.TryGetValue("</s>", out int close)) attributes[close] |= TokenAttributes.RStrip;
            foreach (var text in new[] { "<unk>", "<s>", "<|endoftext|>" })
                if (ids.TryGetValue(text, out int id)) attributes[id] &= ~TokenAttributes.RStrip;
        }
        else if (name.Contains("modern-bert"))
        {
            if (ids.TryGetValue("[MASK]", out int id)) attributes[id] |= TokenAttributes.LStrip;
        }
        return [.. eog];
    }
}

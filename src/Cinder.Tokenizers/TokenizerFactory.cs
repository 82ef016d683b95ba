using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Tokenizers;

/// <summary>
/// Builds a <see cref="Tokenizer"/> from GGUF <c>tokenizer.ggml.*</c> metadata the way llama.cpp's
/// <c>llama_vocab::load</c> does: the same defaults per tokenizer model and pre-tokenizer, the same special token keys,
/// and the same text-based conventions (end-of-turn and end-of-generation tokens, Phi-3's right-stripping specials).
/// </summary>
public static class TokenizerFactory
{
    private const string Prefix = "tokenizer.ggml.";

    /// <summary>Reads the metadata of the GGUF file at <paramref name="path"/> (a vocabulary-only file is enough).</summary>
    public static Tokenizer FromGguf(string path)
    {
        using var file = GgufFile.Open(path);
        return FromGguf(file.Metadata);
    }

    /// <exception cref="TokenizerException">An unknown or unsupported tokenizer model or pre-tokenizer, or inconsistent metadata.</exception>
    /// <exception cref="ModelFormatException">A key has the wrong type or a required key is missing.</exception>
    public static Tokenizer FromGguf(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string model = metadata.GetString(Prefix + "model");
        string pre = metadata.GetStringOrNull(Prefix + "pre") ?? "";

        Kind kind;
        int bos, eos, unk, sep, pad, mask;
        bool addBos = false, addEos = false, addSep = false, addSpacePrefix, cleanSpaces, ignoreMerges = false;
        var preTokenizer = BpePreTokenizer.Default;
        switch (model)
        {
            case "llama":
                kind = Kind.SentencePiece;
                (bos, eos, unk, sep, pad, mask) = (1, 2, 0, -1, -1, -1);
                addSpacePrefix = true;
                cleanSpaces = false;
                addBos = true;
                break;
            case "bert":
                kind = Kind.WordPiece;
                (bos, eos, unk, sep, pad, mask) = (101, -1, 100, 102, 0, 103);
                addSpacePrefix = false;
                cleanSpaces = true;
                addBos = true;
                addSep = true;
                break;
            case "gpt2":
                kind = Kind.Bpe;
                (bos, eos, unk, sep, pad, mask) = (11, 11, -1, -1, -1, -1);
                addSpacePrefix = false;
                cleanSpaces = true;
                var p = PreTokenizerOf(pre);
                preTokenizer = p.Kind;
                cleanSpaces = p.CleanSpaces;
                ignoreMerges = p.IgnoreMerges;
                addBos = p.AddBos;
                addSep = p.AddSep;
                if (p.NoBos) bos = -1;
                break;
            case "t5" or "rwkv" or "plamo2" or "gemma4" or "hybriddna" or "whitespace" or "no_vocab" or "none":
                throw new TokenizerException($"tokenizer model '{model}' is not supported; Cinder supports 'llama' (SentencePiece), 'gpt2' (byte-level BPE) and 'bert' (WordPiece)", Prefix + "model");
            default:
                throw new TokenizerException($"unknown tokenizer model '{model}'; expected 'llama' (SentencePiece), 'gpt2' (byte-level BPE) or 'bert' (WordPiece)", Prefix + "model");
        }
        addSpacePrefix = metadata.GetBool(Prefix + "add_space_prefix", addSpacePrefix);
        bool removeExtraWhitespaces = metadata.GetBool(Prefix + "remove_extra_whitespaces", false);

        var texts = metadata.GetArray<string>(Prefix + "tokens");
        int n = texts.Length;
        float[]? scores = ReadScores(metadata);
        var attributes = new TokenAttributes[n];
        var types = metadata.GetArrayOrNull<int>(Prefix + "token_type");
        if (types is not null && types.Length < n)
            throw new TokenizerException($"{types.Length} token types for {n} tokens", Prefix + "token_type");
        for (int i = 0; i < n; i++) attributes[i] = types is null ? TokenAttributes.Normal : Vocabulary.FromType((TokenType)types[i]);
        if (scores is not null && scores.Length < n)
            throw new TokenizerException($"{scores.Length} scores for {n} tokens", Prefix + "scores");

        // special token ids: a default outside the vocabulary is dropped; a stored id outside it is ignored
        int eot = -1, eom = -1, fimPre = -1, fimSuf = -1, fimMid = -1, fimPad = -1, fimRep = -1, fimSep = -1;
        void Special(string key, ref int id)
        {
            if (id >= n) id = -1;
            if (!metadata.Contains(Prefix + key)) return;
            long stored = metadata.GetInteger(Prefix + key);
            if (stored >= 0 && stored < n) id = (int)stored;
        }
        Special("bos_token_id", ref bos);
        Special("eos_token_id", ref eos);
        Special("eot_token_id", ref eot);
        Special("eom_token_id", ref eom);
        Special("unknown_token_id", ref unk);
        Special("seperator_token_id", ref sep); // sic: the key GGUF uses
        Special("padding_token_id", ref pad);
        Special("mask_token_id", ref mask);
        Special("fim_pre_token_id", ref fimPre);
        Special("fim_suf_token_id", ref fimSuf);
        Special("fim_mid_token_id", ref fimMid);
        Special("fim_pad_token_id", ref fimPad);
        Special("fim_rep_token_id", ref fimRep);
        Special("fim_sep_token_id", ref fimSep);
        Special("prefix_token_id", ref fimPre);
        Special("suffix_token_id", ref fimSuf);
        Special("middle_token_id", ref fimMid);

        addBos = metadata.GetBool(Prefix + "add_bos_token", addBos);
        addEos = metadata.GetBool(Prefix + "add_eos_token", addEos);
        addSep = metadata.GetBool(Prefix + "add_sep_token", addSep);
        if (addBos && bos < 0) throw new TokenizerException("add_bos_token is true, but bos_token_id is not set", Prefix + "bos_token_id");
        if (addEos && eos < 0) throw new TokenizerException("add_eos_token is true, but eos_token_id is not set", Prefix + "eos_token_id");
        if (addSep && sep < 0) throw new TokenizerException("add_sep_token is true, but seperator_token_id is not set", Prefix + "seperator_token_id");

        bool lowercase = metadata.GetBool(Prefix + "normalizer.lowercase", true);
        bool stripAccents = metadata.GetBool(Prefix + "normalizer.strip_accents", lowercase);

        var eog = Conventions.Apply(texts, attributes, ref eot, ref eom, ref fimPre, ref fimSuf, ref fimMid, ref fimPad, ref fimRep, ref fimSep, eos,
            modelName: metadata.GetStringOrNull("general.name") ?? "", pre, architecture: metadata.GetStringOrNull("general.architecture") ?? "");

        var vocabulary = new Vocabulary(texts, scores, attributes);
        var settings = new TokenizerSettings
        {
            BosId = bos, EosId = eos, EotId = eot, EomId = eom, UnknownId = unk, SeparatorId = sep, PaddingId = pad, MaskId = mask,
            AddBos = addBos, AddEos = addEos, AddSep = addSep,
            AddSpacePrefix = addSpacePrefix, RemoveExtraWhitespaces = removeExtraWhitespaces, CleanSpaces = cleanSpaces,
            PreTokenizer = preTokenizer, IgnoreMerges = ignoreMerges,
            Lowercase = lowercase, StripAccents = stripAccents,
            EndOfGenerationIds = eog,
        };
        return kind switch
        {
            Kind.SentencePiece => new SentencePieceTokenizer(vocabulary, settings),
            Kind.WordPiece => new WordPieceTokenizer(vocabulary, settings),
            _ => new BpeTokenizer(vocabulary, metadata.Contains(Prefix + "merges")
                ? metadata.GetArray<string>(Prefix + "merges")
                : throw new TokenizerException("a byte-level BPE vocabulary needs its merges", Prefix + "merges"), settings),
        };
    }

    private enum Kind { SentencePiece, Bpe, WordPiece }

    private static float[]? ReadScores(GgufMetadata metadata)
    {
        if (!metadata.TryGet(Prefix + "scores", out var value)) return null;
        if (value.Raw is float[] f) return f;
        if (value.Raw is int[] i) return Array.ConvertAll(i, x => (float)x);
        throw new ModelFormatException($"metadata key '{Prefix}scores' should be an array of f32 or i32 but is {value.Describe()}");
    }

    private sealed record PreTokenizerInfo(BpePreTokenizer Kind, bool CleanSpaces = true, bool IgnoreMerges = false, bool AddBos = false, bool AddSep = false, bool NoBos = false);

    /// <summary>llama.cpp's <c>tokenizer.ggml.pre</c> names, with the flags each one sets.</summary>
    private static PreTokenizerInfo PreTokenizerOf(string pre)
    {
        switch (pre)
        {
            case "" or "default":
                return new(BpePreTokenizer.Default);
            case "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "falcon-h1" or "pixtral" or "midm-2.0" or "lfm2" or "jina-v5-nano":
                return new(BpePreTokenizer.Llama3, IgnoreMerges: true, AddBos: true);
            case "dbrx" or "smaug-bpe":
                return new(BpePreTokenizer.Llama3);
            case "glm4" or "chatglm-bpe":
                return new(BpePreTokenizer.Llama3, NoBos: true);
            case "deepseek-llm":
                return new(BpePreTokenizer.DeepSeekLlm, CleanSpaces: false);
            case "deepseek-coder":
                return new(BpePreTokenizer.DeepSeekCoder, CleanSpaces: false);
            case "falcon":
                return new(BpePreTokenizer.Falcon);
            case "mpt" or "olmo" or "jais" or "exaone4"
                or "gpt-2" or "phi-2" or "jina-es" or "jina-de" or "gigachat" or "jina-v2-es" or "jina-v2-de" or "a.x-4.0" or "mellum" or "modern-bert":
                return new(BpePreTokenizer.Gpt2);
            case "jina-v1-en" or "jina-v2-code" or "roberta-bpe":
                return new(BpePreTokenizer.Gpt2, AddSep: true);
            case "trillion" or "granite-docling":
                return new(BpePreTokenizer.Gpt2, CleanSpaces: false);
            case "starcoder" or "refact" or "codeshell" or "exaone" or "minerva-7b" or "mellum2":
                return new(BpePreTokenizer.StarCoder);
            case "command-r" or "smollm":
                return new(BpePreTokenizer.StarCoder, CleanSpaces: false);
            case "qwen2" or "deepseek-r1-qwen" or "kormo" or "f2llmv2" or "hunyuan" or "solar-open":
                return new(BpePreTokenizer.Qwen2, CleanSpaces: false);
            case "megrez" or "stablelm2":
                return new(BpePreTokenizer.Qwen2);
            case "minicpm5" or "deepseek-v3" or "spark2_5" or "youtu" or "jais-2" or "gemma4" or "granite-embed-multi-311m" or "sarvam-moe"
                or "whitespace" or "qwen35" or "poro-chat" or "viking" or "tekken" or "bloom" or "gpt3-finnish" or "exaone-moe" or "chameleon"
                or "gpt-4o" or "llama4" or "kanana2" or "talkie" or "granite-embed-multi-97m" or "tiny_aya" or "cohere2moe" or "superbpe"
                or "bailingmoe" or "bailingmoe2" or "llada-moe" or "seed-coder" or "hunyuan-dense" or "hy_v4" or "joyai-llm" or "kimi-k2"
                or "ufakzeka" or "grok-2" or "afmoe" or "laguna" or "minimax-m2":
                throw new TokenizerException($"pre-tokenizer '{pre}' is known to llama.cpp but not implemented by Cinder", Prefix + "pre");
            default:
                throw new TokenizerException($"unknown pre-tokenizer '{pre}'", Prefix + "pre");
        }
    }
}

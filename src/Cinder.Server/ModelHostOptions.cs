namespace Cinder.Server;

/// <summary>What to load and how to run it: the model, its engine and its chat template (the serve command's model flags).</summary>
public sealed record ModelHostOptions
{
    /// <summary>The GGUF model file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model's name in requests and in /v1/models (--alias); default: the file name without extension.</summary>
    public string? Alias { get; init; }

    /// <summary>Longest sequence, prompt plus generation (--ctx-size); 0 means the model's trained context.</summary>
    public int ContextSize { get; init; }

    /// <summary>Worker threads (-t); 0 means one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>Most sequences generated together (--parallel).</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Tokens the KV cache holds for all sequences together (--kv-size); 0 means context size times parallel.</summary>
    public int KvSize { get; init; }

    /// <summary>Most requests waiting for a slot, all tenants together (--max-queue).</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>
    /// --chat-template: a built-in name (chatml, llama3, ...), a file holding a Jinja template, or template text.
    /// Null uses the model's tokenizer.chat_template, or chatml when the model has none.
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Reuse the KV blocks of a shared prompt prefix across requests.</summary>
    public bool PrefixCaching { get; init; } = true;
}

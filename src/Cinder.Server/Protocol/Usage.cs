namespace Cinder.Server.Protocol;

/// <summary>Token accounting of one request.</summary>
internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails)
{
    public static Usage From(Engine.CompletionEvent done) =>
        new(done.PromptTokens, done.CompletionTokens, done.PromptTokens + done.CompletionTokens, new PromptTokensDetails(done.CachedPromptTokens));
}

/// <summary>prompt_tokens_details: how much of the prompt the prefix cache served.</summary>
internal sealed record PromptTokensDetails(int CachedTokens);

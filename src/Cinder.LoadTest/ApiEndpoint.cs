namespace Cinder.LoadTest;

/// <summary>Which OpenAI endpoint the requests go to.</summary>
public enum ApiEndpoint
{
    /// <summary><c>POST /v1/completions</c> with a <c>prompt</c>; content arrives in <c>choices[0].text</c>.</summary>
    Completions,

    /// <summary><c>POST /v1/chat/completions</c> with one user message; content arrives in <c>choices[0].delta.content</c>.</summary>
    Chat,
}

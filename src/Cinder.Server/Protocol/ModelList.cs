namespace Cinder.Server.Protocol;

/// <summary>GET /v1/models.</summary>
internal sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    public string Object => "list";
}

/// <summary>One model as /v1/models lists it (plus llama.cpp-style meta).</summary>
internal sealed record ModelCard(string Id, long Created, ModelMeta Meta)
{
    public string Object => "model";
    public string OwnedBy => "cinder";
}

internal sealed record ModelMeta(string Architecture, int VocabSize, int ContextLength, string ChatTemplate);

using Cinder.Engine;

namespace Cinder.Server.Serving;

/// <summary>A validated, tokenized request ready for the engine, and how to answer it.</summary>
internal sealed record PreparedRequest(GenerationRequest Generation, bool Stream, bool IncludeUsage);

namespace Cinder.Gguf.Tests;

namespace Cinder.Tokenizers.Tests;

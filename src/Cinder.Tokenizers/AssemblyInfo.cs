namespace Cinder.Tokenizers;

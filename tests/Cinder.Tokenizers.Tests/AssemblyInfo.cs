// llama.cpp (the oracle) is one native library shared by the whole process; its calls are not made concurrently.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cinder.Tokenizers.Tests;

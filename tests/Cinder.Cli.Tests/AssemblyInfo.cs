// The CLI tests redirect Console.Out and Console.Error, which are process-wide: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cinder.Cli.Tests;

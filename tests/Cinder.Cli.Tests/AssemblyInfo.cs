namespace Cinder.Cli.Tests;

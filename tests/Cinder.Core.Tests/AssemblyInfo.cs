namespace Cinder.Core.Tests;

namespace Cinder.Server.Tests;

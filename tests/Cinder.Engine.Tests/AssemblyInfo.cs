namespace Cinder.Engine.Tests;

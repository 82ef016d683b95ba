namespace Cinder.Models.Tests;

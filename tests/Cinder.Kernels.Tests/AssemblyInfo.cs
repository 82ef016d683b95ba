namespace Cinder.Kernels.Tests;

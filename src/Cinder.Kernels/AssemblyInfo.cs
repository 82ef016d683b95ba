namespace Cinder.Kernels;

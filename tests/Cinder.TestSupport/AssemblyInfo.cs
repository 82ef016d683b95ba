namespace Cinder.TestSupport;

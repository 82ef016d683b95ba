namespace Cinder.Engine;

namespace Cinder.Server;

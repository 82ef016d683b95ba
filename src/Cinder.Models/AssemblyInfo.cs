namespace Cinder.Models;

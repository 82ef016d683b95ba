using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cinder.Templates.Tests")]

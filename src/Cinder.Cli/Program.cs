return Cinder.Cli.CinderCli.Run(args);

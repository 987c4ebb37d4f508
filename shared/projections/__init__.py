"""Read models more than one service builds from the stream: the code once, the tables in each service's own store."""

"""What a region (MRC) reads about its municipalities: the weekly summary that
the regional digest sends and the meeting's agenda starts from."""

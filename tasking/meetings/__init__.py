"""The region's weekly meeting (statutaire hebdomadaire): the regional plan
that holds its follow-ups, the agenda drafted from the region's state, the
record of the meeting, its minutes and its calendar invitations."""

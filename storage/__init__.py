"""Files written so that readers in other processes never see them half-written."""

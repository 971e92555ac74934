"""Routing of voices to sections: decisions, assignments, due dates and the job queue."""

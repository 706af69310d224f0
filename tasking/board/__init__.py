"""The kanban board: columns by status, filters, swimlanes, moves."""

"""Planning the plan: admins add, edit, reorder and archive themes,
operational objectives, actions and targets."""

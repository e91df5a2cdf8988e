// The greeter library. Functions are added by the tasks in specs/001-greeter/tasks.md.
export {};

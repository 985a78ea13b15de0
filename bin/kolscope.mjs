#!/usr/bin/env node
// Entry point for `npx kolscope` and `npm start`: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

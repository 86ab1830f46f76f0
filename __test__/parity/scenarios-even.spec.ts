import { defineScenarios } from './support/scenarios';

defineScenarios('scenarios-even', 0);

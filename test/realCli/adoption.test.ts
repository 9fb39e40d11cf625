import { describeAdoption } from "./adoptionScenario";
import { CliStack } from "./world";

describeAdoption("real CLI: adopting organisations with pulumi preview and pulumi up", (world) => CliStack.create(world), {
  providerCodeInState: true,
});

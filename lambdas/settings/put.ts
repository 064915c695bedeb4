// placeholder: being written
export const handler = async (): Promise<unknown> => ({ statusCode: 501, body: '' });

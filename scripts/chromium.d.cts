export declare const chromiumExecutable: string;
export declare const chromiumFlags: readonly string[];
